import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cards, draftOf, Story } from '../../test/support/engine-kit.js';
import type { InvoiceEvent } from './invoice-lifecycle.js';
import { documentEdited, firstDifference, invoiceOf, issueOf, pricingBasisChanged, revisionOf } from './invoice-lifecycle.js';

function october(extra = 0) {
  const s = new Story('2025-10-06T08:00:00Z', '919876543210');
  for (let i = 0; i < 3 + extra; i++) s.template(i, 'marketing');
  s.template(30, 'utility');
  return s.units();
}

const correctedCard = () => {
  const card = cards.usd2025q4();
  return { ...card, version: '2025-10-01.2', rates: card.rates.map((r) => (r.market === 'India' && r.category === 'marketing' ? { ...r, price: '0.0118' } : r)) };
};

describe('invoice lifecycle', () => {
  it('folds issue, revision, void and a new issue into the document in force, counting revisions since the issue', () => {
    const units = october();
    const issued = issueOf(draftOf(units, '2025-10', [cards.usd2025q4()]), '10/10');
    const revised = revisionOf(issued, draftOf(units, '2025-10', [cards.usd2025q4(), correctedCard()]), '20/20', 'corrected card')!;
    const events: InvoiceEvent[] = [
      { type: 'InvoiceIssued', data: issued },
      { type: 'InvoiceRevised', data: revised },
    ];
    const current = invoiceOf(events)!;
    assert.equal(current.status, 'revised');
    assert.equal(current.revision, 1);
    assert.equal(current.supersedes, issued.hash);
    assert.equal(current.reason, 'corrected card');
    const voided = invoiceOf([{ type: 'InvoiceVoided', data: { invoiceId: issued.invoiceId, wabaId: issued.wabaId, period: issued.period, hash: revised.hash, reason: 'duplicate account' } }], current)!;
    assert.equal(voided.status, 'voided');
    assert.equal(voided.voidReason, 'duplicate account');
    const again = invoiceOf([{ type: 'InvoiceIssued', data: issued }], voided)!;
    assert.deepEqual([again.status, again.revision, again.hash], ['issued', 0, issued.hash]);
  });

  it('freezes lines without their unit ids, names the invoice after WABA and month, and carries the position in the basis', () => {
    const issued = issueOf(draftOf(october(), '2025-10', [cards.usd2025q4()]), '10/10');
    assert.equal(issued.invoiceId, 'waba-1.2025-10');
    assert.equal(issued.basis.position, '10/10');
    assert.ok(issued.lines.every((l) => !('unitIds' in l)));
    assert.deepEqual(issued.lines.map((l) => `${l.market} ${l.category} ${l.quantity} ${l.amount}`), ['India marketing 3 0.03', 'India utility 1 0.00']);
  });

  it('revises only when money moves: a new card version with the same prices gives no revision', () => {
    const units = october();
    const issued = issueOf(draftOf(units, '2025-10', [cards.usd2025q4()]), '10/10');
    const sameprices = { ...cards.usd2025q4(), version: '2025-10-01.3' };
    const draft = draftOf(units, '2025-10', [cards.usd2025q4(), sameprices]);
    assert.equal(pricingBasisChanged(issued.basis, draft.basis), true);
    assert.equal(revisionOf(issued, draft, '30/30', 'same prices'), undefined);
  });

  it('names the first differing line when a recomputation disagrees, and nothing when it agrees', () => {
    const units = october();
    const issued = issueOf(draftOf(units, '2025-10', [cards.usd2025q4()]), '10/10');
    assert.equal(firstDifference(issued, issueOf(draftOf(units, '2025-10', [cards.usd2025q4()]), '10/10')), undefined);
    const other = firstDifference(issued, issueOf(draftOf(october(), '2025-10', [cards.usd2025q4()]), '10/10'))!;
    assert.equal(other.field, 'units', 'the same lines over other messages differ in the units behind them');
    const difference = firstDifference(issued, issueOf(draftOf(october(1), '2025-10', [cards.usd2025q4()]), '10/10'))!;
    assert.equal(difference.line, 1);
    assert.equal((difference.issued as { quantity: number }).quantity, 3);
    assert.equal((difference.recomputed as { quantity: number }).quantity, 4);
  });

  it('takes no stored hash on trust: an edited total under its untouched hash differs, and an edit the log cannot see breaks the seal', () => {
    const units = october();
    const recomputed = issueOf(draftOf(units, '2025-10', [cards.usd2025q4()]), '10/10');
    const issued = issueOf(draftOf(units, '2025-10', [cards.usd2025q4()]), '10/10');
    assert.equal(documentEdited(issued), undefined);
    assert.deepEqual(firstDifference({ ...issued, total: '0.07' }, recomputed), { field: 'total', issued: '0.07', recomputed: recomputed.total });
    const edited = documentEdited({ ...issued, basis: { ...issued.basis, engineVersion: 'forged' } })!;
    assert.equal(edited.field, 'document');
    assert.equal(edited.issued, issued.documentHash);
    assert.notEqual(edited.recomputed, issued.documentHash);
    const { documentHash: _none, ...legacy } = issued;
    assert.equal(documentEdited(legacy), undefined, 'a document issued before the seal existed has none to break');
  });
});
