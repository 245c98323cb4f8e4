import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZoneCalendar } from '../../../projections/time/zone-calendar.js';
import { cards } from '../../../test/support/engine-kit.js';
import { EngineState } from './engine-state.js';

const registered = { wabaId: 'waba-1', portfolioId: 'pf-1', timezone: 'America/Sao_Paulo', currency: 'USD', rateCardId: 'meta-usd' };

describe('engine state: the settings the runner and the audit replays both apply', () => {
  it('keeps every settings change in the account, dated, so earlier months keep their settings; the account stays in its portfolio', () => {
    const state = new EngineState();
    assert.deepEqual(state.apply({ type: 'AccountRegistered', data: registered }), {
      type: 'AccountRegistered',
      account: { wabaId: 'waba-1', portfolioId: 'pf-1', timezone: 'America/Sao_Paulo', currency: 'USD', rateCardId: 'meta-usd' },
    });
    const data = { wabaId: 'waba-1', effectiveFrom: '2025-11-01', timezone: 'Asia/Kolkata', authIntlEligibility: true };
    const changed = state.apply({ type: 'AccountSettingsChanged', data });
    assert.deepEqual(changed, {
      type: 'AccountSettingsChanged',
      account: { wabaId: 'waba-1', portfolioId: 'pf-1', timezone: 'America/Sao_Paulo', currency: 'USD', rateCardId: 'meta-usd', changes: [data] },
    });
    assert.deepEqual([...state.portfolios.get('pf-1')!], ['waba-1']);
  });

  it('ignores a change to an unknown account and every event that is not a setting', () => {
    const state = new EngineState();
    assert.equal(state.apply({ type: 'AccountSettingsChanged', data: { wabaId: 'waba-9', effectiveFrom: '2025-11-01', currency: 'EUR' } }), undefined);
    assert.equal(state.apply({ type: 'MessageReceived', data: { wabaId: 'waba-9' } }), undefined);
    assert.equal(state.accounts.size, 0);
  });

  it("keeps each account's numbers its own: a number id two tenants attach belongs to both, and publishes a rate card into the book", () => {
    const state = new EngineState();
    state.apply({ type: 'AccountRegistered', data: registered });
    assert.deepEqual(state.apply({ type: 'PhoneNumberAttached', data: { wabaId: 'waba-1', phoneNumberId: 'pn-1' } }), {
      type: 'PhoneNumberAttached',
      data: { wabaId: 'waba-1', phoneNumberId: 'pn-1' },
    });
    state.apply({ type: 'AccountRegistered', data: { ...registered, wabaId: 'waba-2' } });
    state.apply({ type: 'PhoneNumberAttached', data: { wabaId: 'waba-2', phoneNumberId: 'pn-1' } });
    assert.deepEqual([...state.numbers.get('waba-1')!], ['pn-1']);
    assert.deepEqual([...state.numbers.get('waba-2')!], ['pn-1']);
    const card = cards.usd2025q4();
    assert.equal(state.apply({ type: 'RateCardPublished', data: card })?.type, 'RateCardPublished');
    assert.equal(state.book.cardAt(card.rateCardId, Date.parse('2025-10-15T00:00:00Z'), ZoneCalendar.of('America/Sao_Paulo'))?.version, card.version);
  });
});
