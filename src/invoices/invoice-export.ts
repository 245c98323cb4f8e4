import PDFDocument from 'pdfkit';
import { stringify } from 'csv-stringify/sync';
import type { Invoice } from '../../projections/invoices/invoice-lifecycle.js';

const LINE_COLUMNS = ['invoice_id', 'revision', 'period', 'currency', 'line', 'market', 'category', 'charge', 'tier', 'quantity', 'unit_price', 'exact_amount', 'amount', 'rate_card', 'rate_card_version', 'rate_card_row'];

/** One row per line, then a `total` row, so a spreadsheet sums to what the document says. */
export function invoiceCsv(invoice: Invoice): string {
  const rows = invoice.lines.map((line, i) => [
    invoice.invoiceId,
    invoice.revision,
    invoice.period,
    invoice.currency,
    i + 1,
    line.market,
    line.category,
    line.charge,
    line.tier ?? '',
    line.quantity,
    line.unitPrice,
    line.exactAmount,
    line.amount,
    line.rateCard?.id ?? '',
    line.rateCard?.version ?? '',
    line.rateCard?.row ?? '',
  ]);
  rows.push([invoice.invoiceId, invoice.revision, invoice.period, invoice.currency, 'total', '', '', '', '', '', '', '', invoice.total, '', '', '']);
  return stringify(rows, { header: true, columns: LINE_COLUMNS });
}

const STATUS: Record<Invoice['status'], string> = { issued: 'Issued', revised: 'Revised', voided: 'VOID' };
const COLUMNS = [
  { title: 'Market', width: 92 },
  { title: 'Category', width: 96 },
  { title: 'Charge', width: 92 },
  { title: 'Tier', width: 52 },
  { title: 'Qty', width: 48, right: true },
  { title: 'Unit price', width: 62, right: true },
  { title: 'Amount', width: 68, right: true },
] as const;

/** The document a billing team sends: lines by market and category, free lines, total and the basis hash. */
export function invoicePdf(invoice: Invoice): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: `Invoice ${invoice.invoiceId}`, Producer: 'Conversation Ledger' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(18).text(`WhatsApp Business messaging: invoice ${invoice.invoiceId}`);
  doc.moveDown(0.5).font('Helvetica').fontSize(10);
  doc.text(`Account (WABA): ${invoice.wabaId}`);
  doc.text(`Period: ${invoice.period}    Currency: ${invoice.currency}`);
  doc.text(`Status: ${STATUS[invoice.status]}${invoice.revision ? `, revision ${invoice.revision}` : ''}`);
  if (invoice.reason) doc.text(`Revised because: ${invoice.reason}`);
  if (invoice.voidReason) doc.text(`Voided because: ${invoice.voidReason}`);
  doc.moveDown();

  table(doc, invoice.lines.map((l) => [l.market, l.category, l.charge === 'regular' ? 'charged' : `free (${l.charge.replace('free_', '').replace(/_/g, ' ')})`, l.tier ?? '', String(l.quantity), l.unitPrice, l.amount]));
  doc.moveDown(0.5).font('Helvetica-Bold').fontSize(11).text(`Total: ${invoice.total} ${invoice.currency}`, { align: 'right' });

  if (invoice.adjustments?.length) {
    doc.moveDown().font('Helvetica-Bold').fontSize(11).text('Adjustments against the previous issue');
    doc.moveDown(0.3);
    table(doc, invoice.adjustments.map((a) => [a.market, a.category, a.charge, a.tier ?? '', String(a.quantity), `${a.previousUnitPrice ?? '-'} > ${a.unitPrice ?? '-'}`, a.amount]));
  }

  doc.moveDown().font('Helvetica').fontSize(8).fillColor('#444444');
  doc.text(`Basis: log position ${invoice.basis.position}; rate cards ${invoice.basis.rateCards.map((c) => `${c.id} ${c.version}`).join(', ') || 'none'}; policies ${invoice.basis.policies.map((p) => `${p.era} ${p.version}`).join(', ') || 'none'}; engine ${invoice.basis.engineVersion}`);
  doc.text(`Hash: ${invoice.hash}`);
  if (invoice.supersedes) doc.text(`Supersedes: ${invoice.supersedes}`);
  doc.end();
  return done;
}

function table(doc: PDFKit.PDFDocument, rows: string[][]): void {
  const left = doc.page.margins.left;
  const row = (cells: readonly string[], bold: boolean) => {
    if (doc.y > doc.page.height - doc.page.margins.bottom - 20) doc.addPage();
    const y = doc.y;
    let x = left;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9).fillColor('#000000');
    COLUMNS.forEach((column, i) => {
      doc.text(cells[i] ?? '', x, y, { width: column.width - 4, align: 'right' in column ? 'right' : 'left', lineBreak: false, ellipsis: true });
      x += column.width;
    });
    doc.x = left;
    doc.y = y + 14;
  };
  row(COLUMNS.map((c) => c.title), true);
  doc.moveTo(left, doc.y - 2).lineTo(left + COLUMNS.reduce((w, c) => w + c.width, 0), doc.y - 2).stroke();
  for (const cells of rows) row(cells, false);
}
