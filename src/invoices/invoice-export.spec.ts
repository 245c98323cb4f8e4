import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Invoice } from '../../projections/invoices/invoice-lifecycle.js';
import { documentFacts, invoicePdf } from './invoice-export.js';

const A4_WIDTH = 595.28;
const CHARGES = ['regular', 'free_customer_service', 'free_entry_point', 'free_tier', 'free_utility_in_window'];

/** A revision with every charge name, long market names and enough lines to run onto a second page. */
function revision(): Invoice {
  const markets = ['Rest of Central & Eastern Europe', 'Other Asia Pacific', 'United Arab Emirates', 'India', 'Brazil', 'Rest of Latin America', 'North America'];
  const lines = markets.flatMap((market) =>
    ['marketing', 'utility', 'authentication_international', 'service'].flatMap((category) =>
      CHARGES.map((charge) => ({ market, category, charge, tier: charge === 'regular' ? '250001-2000000' : null, quantity: 123456, unitPrice: '0.0625', exactAmount: '7716.0000', amount: '7716.00', rateCard: null })),
    ),
  );
  return {
    invoiceId: 'waba-long-name-for-layout.2025-10',
    wabaId: 'waba-long-name-for-layout',
    period: '2025-10',
    currency: 'USD',
    lines,
    total: '1080240.00',
    basis: { position: '123456789', rateCards: [{ id: 'meta-USD', version: '2025-10-01.2' }], policies: [{ era: 'D', version: 'D.1' }], engineVersion: '1.2.0' },
    hash: `sha256:${'a'.repeat(64)}`,
    status: 'revised',
    revision: 2,
    supersedes: `sha256:${'b'.repeat(64)}`,
    reason: 'regenerated: rate card meta-USD 2025-10-01.2 moved a used row',
    adjustments: CHARGES.map((charge) => ({ market: 'Rest of Central & Eastern Europe', category: 'authentication_international', charge, tier: '1-250000', quantity: -12, previousUnitPrice: '0.0625', unitPrice: '0.0700', amount: '-1234567.89' })),
  };
}

interface Word {
  readonly text: string;
  readonly page: number;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** Every word's box on every page, as poppler's pdftotext lays them out. */
function words(pdf: Buffer): Word[] {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-pdf-'));
  try {
    writeFileSync(join(dir, 'invoice.pdf'), pdf);
    const run = spawnSync('pdftotext', ['-bbox-layout', join(dir, 'invoice.pdf'), '-'], { encoding: 'utf8' });
    if (run.error) throw run.error;
    const found: Word[] = [];
    let page = 0;
    for (const line of run.stdout.split('\n')) {
      if (line.includes('<page ')) page += 1;
      const m = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/.exec(line);
      if (m) found.push({ page, x0: Number(m[1]), y0: Number(m[2]), x1: Number(m[3]), y1: Number(m[4]), text: m[5]! });
    }
    return found;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('invoice documents', () => {
  it('numbers each document: an issue after a void is a new document, with its own number and file name', () => {
    const invoice = { ...revision(), status: 'issued', revision: 0 } as Invoice;
    const at = (recordedAt: string) => ({ metadata: { recordedAt } });
    const voided = documentFacts({ ...invoice, status: 'voided' }, [{ type: 'InvoiceIssued', ...at('2025-11-01T09:00:00Z') }, { type: 'InvoiceVoided', ...at('2025-11-02T09:00:00Z') }]);
    const again = documentFacts(invoice, [{ type: 'InvoiceIssued', ...at('2025-11-01T09:00:00Z') }, { type: 'InvoiceVoided', ...at('2025-11-02T09:00:00Z') }, { type: 'InvoiceIssued', ...at('2025-11-03T09:00:00Z') }]);
    assert.deepEqual([voided.number, voided.status, voided.voidedAt, voided.fileName('pdf')], ['waba-long-name-for-layout.2025-10-1', 'void', '2025-11-02T09:00:00Z', 'invoice-waba-long-name-for-layout.2025-10-1-r0-void.pdf']);
    assert.deepEqual([again.number, again.status, again.issuedAt, again.fileName('pdf')], ['waba-long-name-for-layout.2025-10-2', 'issued', '2025-11-03T09:00:00Z', 'invoice-waba-long-name-for-layout.2025-10-2-r0.pdf']);
  });

  it('prints no word over another, on any page, with the longest charge names and adjustment cells', async (t) => {
    if (spawnSync('pdftotext', ['-v']).error) {
      if (process.env.CI === 'true') assert.fail('pdftotext (poppler-utils) is needed to lay the PDF out');
      t.skip('pdftotext (poppler-utils) is not installed');
      return;
    }
    const invoice = revision();
    const boxes = words(await invoicePdf(invoice, documentFacts(invoice, [{ type: 'InvoiceIssued' }, { type: 'InvoiceRevised' }, { type: 'InvoiceRevised' }])));
    assert.ok(new Set(boxes.map((w) => w.page)).size >= 2, 'the lines run onto a second page');
    for (const charge of CHARGES) assert.ok(boxes.some((w) => w.text === charge), `${charge} is printed whole, as the JSON names it`);
    const overlaps: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        // A shared edge (a word's box touching the next line's) is not an overlap: 0.5 pt of slack.
        if (a.page === b.page && a.x0 < b.x1 - 0.5 && b.x0 < a.x1 - 0.5 && a.y0 < b.y1 - 0.5 && b.y0 < a.y1 - 0.5) overlaps.push(`"${a.text}" and "${b.text}" on page ${a.page}`);
      }
    }
    assert.deepEqual(overlaps.slice(0, 5), []);
    const outside = boxes.filter((w) => w.x0 < 48 - 0.5 || w.x1 > A4_WIDTH - 48 + 0.5).map((w) => `"${w.text}" on page ${w.page}`);
    assert.deepEqual(outside.slice(0, 5), [], 'every word within the margins');
  });
});
