import PDFDocument from 'pdfkit';
import { stringify } from 'csv-stringify/sync';
import type { Invoice } from '../../projections/invoices/invoice-lifecycle.js';

/** What a document is among its stream's events: which issue (an issue after a void starts a new document), when it was issued, whether void. */
export interface DocumentFacts {
  /** 1 for the first issue of the month, one more for each issue after a void. */
  readonly issue: number;
  /** The invoice number printed on the document: the invoice id and the issue, with the revision after a dot. */
  readonly number: string;
  readonly issuedAt: string | null;
  readonly voidedAt: string | null;
  /** issued, revision N, or void. */
  readonly status: string;
  /** A file name that no other document of the invoice shares. */
  readonly fileName: (format: string) => string;
}

export function documentFacts(invoice: Invoice, events: readonly { readonly type: string; readonly metadata?: { readonly recordedAt?: string } }[]): DocumentFacts {
  let issue = 0;
  let issuedAt: string | null = null;
  let voidedAt: string | null = null;
  for (const event of events) {
    if (event.type === 'InvoiceIssued') issue += 1;
    if (event.type === 'InvoiceIssued' || event.type === 'InvoiceRevised') [issuedAt, voidedAt] = [event.metadata?.recordedAt ?? null, null];
    if (event.type === 'InvoiceVoided') voidedAt = event.metadata?.recordedAt ?? null;
  }
  issue = Math.max(issue, 1);
  const number = `${invoice.invoiceId}-${issue}${invoice.revision ? `.${invoice.revision}` : ''}`;
  const status = invoice.status === 'voided' ? 'void' : invoice.revision ? `revision ${invoice.revision}` : 'issued';
  const base = `invoice-${invoice.invoiceId}-${issue}-r${invoice.revision}${invoice.status === 'voided' ? '-void' : ''}`;
  return { issue, number, issuedAt, voidedAt, status, fileName: (format) => `${base}.${format}` };
}

const CSV_COLUMNS = [
  'invoice_number', 'invoice_id', 'status', 'revision', 'period', 'currency', 'record', 'line', 'market', 'category', 'charge', 'tier', 'quantity',
  'previous_unit_price', 'unit_price', 'exact_amount', 'amount', 'rate_card', 'rate_card_version', 'rate_card_row', 'hash', 'supersedes',
];

/**
 * One row per line, then a revision's adjustment lines, then a `total` row with the document's
 * hash and the hash it supersedes: a spreadsheet sums the lines to the total, and the
 * adjustments to the change against the document before.
 */
export function invoiceCsv(invoice: Invoice, facts: DocumentFacts): string {
  const head = [facts.number, invoice.invoiceId, facts.status, invoice.revision, invoice.period, invoice.currency];
  const rows = invoice.lines.map((line, i) => [
    ...head, 'line', i + 1, line.market, line.category, line.charge, line.tier ?? '', line.quantity,
    '', line.unitPrice, line.exactAmount, line.amount, line.rateCard?.id ?? '', line.rateCard?.version ?? '', line.rateCard?.row ?? '', '', '',
  ]);
  (invoice.adjustments ?? []).forEach((a, i) =>
    rows.push([...head, 'adjustment', i + 1, a.market, a.category, a.charge, a.tier ?? '', a.quantity, a.previousUnitPrice ?? '', a.unitPrice ?? '', '', a.amount, '', '', '', '', '']),
  );
  rows.push([...head, 'total', '', '', '', '', '', '', '', '', '', invoice.total, '', '', '', invoice.hash, invoice.supersedes ?? '']);
  return stringify(rows, { header: true, columns: CSV_COLUMNS });
}

interface Column {
  readonly title: string;
  readonly width: number;
  readonly right?: boolean;
}

const LINE_COLUMNS: readonly Column[] = [
  { title: 'Market', width: 90 },
  { title: 'Category', width: 84 },
  { title: 'Charge', width: 116 },
  { title: 'Tier', width: 50 },
  { title: 'Qty', width: 40, right: true },
  { title: 'Unit price', width: 56, right: true },
  { title: 'Amount', width: 62, right: true },
];
const ADJUSTMENT_COLUMNS: readonly Column[] = [
  { title: 'Market', width: 80 },
  { title: 'Category', width: 74 },
  { title: 'Charge', width: 110 },
  { title: 'Tier', width: 46 },
  { title: 'Qty', width: 36, right: true },
  { title: 'Was', width: 50, right: true },
  { title: 'Now', width: 50, right: true },
  { title: 'Amount', width: 53, right: true },
];
const FONT_SIZE = 9;
const PADDING = 3;

/** The document a billing team sends: number, dates and status, lines by market and category, adjustments, total and hashes. */
export function invoicePdf(invoice: Invoice, facts: DocumentFacts): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: `Invoice ${facts.number}`, Producer: 'Conversation Ledger' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(16).text(`WhatsApp Business messaging: invoice ${invoice.invoiceId}`);
  doc.moveDown(0.5).font('Helvetica').fontSize(10);
  doc.text(`Invoice number: ${facts.number}`);
  doc.text(`Issued: ${facts.issuedAt ?? 'unknown'}`);
  doc.text(`Account (WABA): ${invoice.wabaId}`);
  doc.text(`Period: ${invoice.period}    Currency: ${invoice.currency}`);
  doc.font('Helvetica-Bold').text(`Status: ${facts.status}${invoice.status === 'voided' ? ` (voided ${facts.voidedAt ?? ''})` : ''}`).font('Helvetica');
  if (invoice.supersedes) doc.text(`Supersedes: ${invoice.supersedes}`);
  if (invoice.reason) doc.text(`Revised because: ${invoice.reason}`);
  if (invoice.voidReason) doc.text(`Voided because: ${invoice.voidReason}`);
  doc.moveDown();

  table(doc, LINE_COLUMNS, invoice.lines.map((l) => [l.market, l.category, l.charge, l.tier ?? '', String(l.quantity), l.unitPrice, l.amount]));
  doc.moveDown(0.5).font('Helvetica-Bold').fontSize(11).text(`Total: ${invoice.total} ${invoice.currency}`, { align: 'right' });

  if (invoice.adjustments?.length) {
    doc.moveDown().font('Helvetica-Bold').fontSize(11).text('Adjustments against the document superseded');
    doc.moveDown(0.3);
    table(doc, ADJUSTMENT_COLUMNS, invoice.adjustments.map((a) => [a.market, a.category, a.charge, a.tier ?? '', String(a.quantity), a.previousUnitPrice ?? '-', a.unitPrice ?? '-', a.amount]));
  }

  doc.moveDown().font('Helvetica').fontSize(8).fillColor('#444444');
  doc.text(`Basis: log position ${invoice.basis.position}; rate cards ${invoice.basis.rateCards.map((c) => `${c.id} ${c.version}`).join(', ') || 'none'}; policies ${invoice.basis.policies.map((p) => `${p.era} ${p.version}`).join(', ') || 'none'}; engine ${invoice.basis.engineVersion}`);
  doc.text(`Hash: ${invoice.hash}`);
  doc.end();
  return done;
}

/** A table whose rows grow to fit their wrapped cells; the header is drawn again on each new page. */
function table(doc: PDFKit.PDFDocument, columns: readonly Column[], rows: readonly string[][]): void {
  const left = doc.page.margins.left;
  const width = columns.reduce((w, c) => w + c.width, 0);
  const heightOf = (cells: readonly string[]) => Math.max(...columns.map((c, i) => doc.heightOfString(cells[i] ?? '', { width: c.width - 2 * PADDING })));
  const row = (cells: readonly string[], bold: boolean) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(FONT_SIZE).fillColor('#000000');
    const height = heightOf(cells) + 2 * PADDING;
    const y = doc.y;
    let x = left;
    columns.forEach((column, i) => {
      doc.text(cells[i] ?? '', x + PADDING, y + PADDING, { width: column.width - 2 * PADDING, align: column.right ? 'right' : 'left' });
      x += column.width;
    });
    doc.x = left;
    doc.y = y + height;
    return height;
  };
  const header = () => {
    row(columns.map((c) => c.title), true);
    doc.moveTo(left, doc.y).lineTo(left + width, doc.y).stroke();
  };
  header();
  for (const cells of rows) {
    doc.font('Helvetica').fontSize(FONT_SIZE);
    if (doc.y + heightOf(cells) + 2 * PADDING > doc.page.height - doc.page.margins.bottom) {
      doc.addPage();
      header();
    }
    row(cells, false);
  }
}
