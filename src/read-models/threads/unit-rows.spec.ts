import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BillableUnit } from '../../../projections/thread/thread.types.js';
import { RATED_COLUMNS, ratingUnit, UNIT_COLUMNS, UNIT_RATING, unitOf, unitRow } from './unit-rows.js';

const message: BillableUnit = {
  id: 'message:wamid.1',
  wabaId: 'w',
  phoneNumberId: 'p',
  customer: '5511987654321',
  kind: 'message',
  category: 'marketing',
  market: 'Brazil',
  country: 'BR',
  openedAt: '2025-10-06T08:00:05.000Z',
  charge: 'regular',
  era: 'D',
  pricedAt: '2025-10-06T08:00:05.000Z',
  messageIds: ['wamid.1'],
};

const conversation: BillableUnit = {
  id: 'conversation:wamid.2',
  wabaId: 'w',
  phoneNumberId: 'p',
  customer: '999123',
  kind: 'conversation',
  category: 'utility',
  market: 'Other',
  country: undefined,
  openedAt: '2024-05-31T23:59:59.999Z',
  expiresAt: '2024-06-01T23:59:59.999Z',
  charge: 'free_tier',
  era: 'C',
  pricedAt: '2024-05-31T23:59:59.999Z',
  messageIds: ['wamid.2', 'wamid.3'],
};

/** A row as a SELECT of UNIT_SELECT gives it back, BIGINTs as PostgreSQL returns them (text). */
const stored = (unit: BillableUnit, period: string) => unitRow('thread-p.c', period, Date.parse(unit.openedAt), unit).map((v) => (typeof v === 'number' ? String(v) : v));

describe('unit rows', () => {
  it('lead with the columns that price a unit, so a re-fold that changes only the others leaves the drafts alone', () => {
    assert.equal(RATED_COLUMNS, 10);
    assert.deepEqual(UNIT_COLUMNS.slice(0, RATED_COLUMNS), ['waba_id', 'period', ...UNIT_RATING.split(', ')]);
  });

  it('give back the unit the fold made, from columns alone: kind and first message from the id, instants from milliseconds', () => {
    assert.deepStrictEqual(unitOf(stored(message, '2025-10')), message);
    assert.deepStrictEqual(unitOf(stored(conversation, '2024-05')), conversation);
  });

  it('store no message list for a unit that covers its own message alone', () => {
    const at = UNIT_COLUMNS.indexOf('message_ids');
    assert.equal(unitRow('s', '2025-10', 0, message)[at], null);
    assert.equal(unitRow('s', '2024-05', 0, conversation)[at], '["wamid.2","wamid.3"]');
  });

  it('keep the era-A instant that picks the rate card apart from the delivery', () => {
    const late: BillableUnit = { ...message, era: 'A', category: 'template', pricedAt: '2021-12-31T23:00:00.000Z', openedAt: '2022-01-01T01:00:00.000Z' };
    assert.deepStrictEqual(unitOf(stored(late, '2022-01')), late);
    const rating = unitRow('s', '2022-01', Date.parse(late.openedAt), late).slice(UNIT_COLUMNS.indexOf('opened_at'), UNIT_COLUMNS.indexOf('era') + 1);
    const { unit, at } = ratingUnit('w', rating);
    assert.equal(at, Date.parse('2022-01-01T01:00:00.000Z'));
    assert.equal(unit.pricedAt, '2021-12-31T23:00:00.000Z');
    assert.equal(unit.openedAt, '2022-01-01T01:00:00.000Z');
    assert.equal(unit.category, 'template');
  });
});
