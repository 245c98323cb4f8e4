import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { account, cards, eligibleAccount, draftOf, engine, lineSummary, Story, summary } from '../../test/support/engine-kit.js';
import { foldThread } from './thread.projection.js';

const S = 1 / 3600;
const charges = (s: Story, of = account()) => s.units(of).map((u) => `${u.era} ${u.category} ${u.charge}`);

describe('the customer service window', () => {
  it('closes exactly 24 h after the last customer message: a utility template delivered at 24 h is charged', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    s.customerWrites(0);
    s.template(24 - S, 'utility');
    assert.deepEqual(charges(s), ['D utility regular']);
  });

  it('is still open one second before 24 h', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    s.customerWrites(0);
    s.template(24 - 2 * S, 'utility');
    assert.deepEqual(charges(s), ['D utility free_customer_service']);
  });

  it('restarts at 24 h on every new customer message', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    s.customerWrites(0);
    s.customerWrites(20);
    s.template(40, 'utility');
    assert.deepEqual(charges(s), ['D utility free_customer_service']);
  });

  it('counts elapsed hours across a DST change, not wall-clock hours', () => {
    const s = new Story('2025-11-01T16:00:00Z', '12125550123');
    s.customerWrites(0);
    s.template(24.5, 'utility');
    assert.deepEqual(charges(s, account({ timezone: 'America/New_York' })), ['D utility regular']);
  });

  it('opens on a customer call only from 2025-07-01', () => {
    const before = new Story('2022-03-07T08:00:00Z');
    before.customerWrites(0, { kind: 'call' });
    before.template(1, 'utility');
    assert.deepEqual(charges(before), ['B business_initiated regular']);
    const after = new Story('2025-10-06T08:00:00Z');
    after.customerWrites(0, { kind: 'call' });
    after.template(1, 'utility');
    assert.deepEqual(charges(after), ['D utility free_customer_service']);
  });
});

describe('era boundaries at midnight in the WABA time zone', () => {
  it('prices 23:30 on 30 June in a UTC-3 account as a conversation (era C), though it is July in UTC', () => {
    const s = new Story('2025-07-01T02:30:00Z', '6281234567890');
    s.template(0, 'utility');
    assert.deepEqual(charges(s, account({ timezone: 'America/Sao_Paulo' })), ['C utility regular']);
    assert.deepEqual(charges(s, account({ timezone: 'UTC' })), ['D utility regular']);
  });

  it('prices 00:30 on 1 July in a UTC+5:30 account per message (era D), though it is June in UTC', () => {
    const s = new Story('2025-06-30T19:00:00Z', '6281234567890');
    s.template(0, 'utility');
    assert.deepEqual(charges(s, account({ timezone: 'Asia/Kolkata' })), ['D utility regular']);
    assert.deepEqual(charges(s, account({ timezone: 'UTC' })), ['C utility regular']);
  });

  it('keeps absorbing utility templates in a utility conversation opened before 2025-07-01 until it expires', () => {
    const s = new Story('2025-06-30T20:00:00Z');
    s.template(0, 'utility');
    s.template(14, 'utility');
    s.template(14.5, 'marketing');
    s.template(25, 'utility');
    assert.deepEqual(summary(s.units()), [
      { kind: 'conversation', category: 'utility', charge: 'regular', market: 'Brazil', era: 'C', messages: 2 },
      { kind: 'message', category: 'marketing', charge: 'regular', market: 'Brazil', era: 'D', messages: 1 },
      { kind: 'message', category: 'utility', charge: 'regular', market: 'Brazil', era: 'D', messages: 1 },
    ]);
  });
});

describe('era A: notification pricing', () => {
  it('charges a template outside the care window and frees everything inside it', () => {
    const s = new Story('2020-05-04T08:00:00Z', '447700900123');
    s.template(0, 'utility');
    s.customerWrites(2);
    s.template(3, 'marketing');
    s.text(4);
    assert.deepEqual(charges(s), ['A template regular', 'A template free_customer_service', 'A service free_customer_service']);
  });

  it('prices a template at the card in force when it was sent, in the month it was delivered', () => {
    const s = new Story('2020-05-31T23:00:00Z', '447700900123');
    const id = s.send(0, 'utility', 'none');
    s.events.push({ type: 'MessageDelivered', data: { wabaId: 'waba-1', phoneNumberId: 'phone-1', customer: s.customer, messageId: id, timestamp: s.at(2) } });
    const units = s.units();
    assert.equal(units[0]!.pricedAt, '2020-05-31T23:00:00.000Z');
    assert.equal(units[0]!.openedAt, '2020-06-01T01:00:00.000Z');
    const card = (effectiveFrom: string, price: string) => ({
      rateCardId: 'meta-USD', version: effectiveFrom, currency: 'USD', effectiveFrom, rates: [{ market: 'United Kingdom', category: 'template', price }],
    });
    const draft = draftOf(units, '2020-06', [card('2020-05-01', '0.0400'), card('2020-06-01', '0.0500')]);
    assert.deepEqual(lineSummary(draft), ['United Kingdom template regular 1 x 0.0400 = 0.04']);
  });

  it('does not charge a template delivered more than 30 days after it was sent', () => {
    const s = new Story('2020-05-04T08:00:00Z', '447700900123');
    const late = s.send(0, 'utility', 'none');
    s.events.push({ type: 'MessageDelivered', data: { wabaId: 'waba-1', phoneNumberId: 'phone-1', customer: s.customer, messageId: late, timestamp: s.at(30 * 24 + 1) } });
    assert.deepEqual(s.units(), []);
    const inTime = new Story('2020-05-04T08:00:00Z', '447700900123');
    const id = inTime.send(0, 'utility', 'none');
    inTime.events.push({ type: 'MessageDelivered', data: { wabaId: 'waba-1', phoneNumberId: 'phone-1', customer: inTime.customer, messageId: id, timestamp: inTime.at(30 * 24) } });
    assert.deepEqual(charges(inTime), ['A template regular']);
  });
});

describe("era A': the Mexico pilot", () => {
  it('charges one 24 h business session for +52 customers, and leaves others on notification pricing', () => {
    const mx = new Story('2021-06-07T08:00:00Z', '5215512345678');
    mx.template(0, 'utility');
    mx.template(5, 'marketing');
    mx.template(25, 'marketing');
    assert.deepEqual(charges(mx), ["A' business_session regular", "A' business_session regular"]);
    assert.equal(mx.units()[0]!.messageIds.length, 2);
    const br = new Story('2021-06-07T08:00:00Z');
    br.template(0, 'utility');
    br.template(5, 'marketing');
    assert.deepEqual(charges(br), ['A template regular', 'A template regular']);
  });
});

describe('era B: conversations v1', () => {
  it('makes a reply to an ad a free entry point of 24 h before 2023-03-01', () => {
    const s = new Story('2022-09-05T08:00:00Z');
    s.customerWrites(0, { referral: true });
    s.text(1);
    s.template(30, 'marketing');
    const units = s.units();
    assert.deepEqual(units.map((u) => `${u.category} ${u.charge}`), ['referral_conversion free_entry_point', 'business_initiated regular']);
    assert.equal(units[0]!.expiresAt, '2022-09-06T09:00:01.000Z');
  });

  it('makes it 72 h from 2023-03-01', () => {
    const s = new Story('2023-03-06T08:00:00Z');
    s.customerWrites(0, { referral: true });
    s.text(1);
    s.template(30, 'marketing');
    assert.deepEqual(s.units().map((u) => `${u.category} ${u.charge} ${u.messageIds.length}`), ['referral_conversion free_entry_point 2']);
  });

  it('gives the first 1,000 conversations of a month free and charges the 1,001st', () => {
    const units = [];
    for (let i = 0; i < 1001; i++) {
      const s = new Story(`2022-03-02T08:00:00Z`, `55119${String(10000000 + i)}`);
      s.template(i / 100, 'marketing');
      units.push(...s.units());
    }
    const draft = draftOf(units, '2022-03', [cards.usd2022()]);
    assert.deepEqual(lineSummary(draft), ['Brazil business_initiated regular 1 x 0.0500 = 0.05', 'Brazil business_initiated free_tier 1000 x 0 = 0.00']);
    assert.equal(draft.total, '0.05');
  });
});

describe('era C: conversations by category', () => {
  it('opens a utility conversation for a utility template inside an open service conversation', () => {
    const s = new Story('2023-07-03T08:00:00Z', '6281234567890');
    s.customerWrites(0);
    s.text(1);
    s.template(2, 'utility');
    assert.deepEqual(charges(s), ['C service regular', 'C utility regular']);
  });

  it('closes open conversations when a free entry point opens, and opens none until it expires', () => {
    const s = new Story('2023-07-03T08:00:00Z', '6281234567890');
    s.template(0, 'marketing');
    s.customerWrites(1, { referral: true });
    s.text(2);
    s.template(3, 'utility');
    s.template(70, 'marketing');
    s.template(75, 'marketing');
    assert.deepEqual(charges(s), ['C marketing regular', 'C referral_conversion free_entry_point', 'C marketing regular']);
    assert.equal(s.units()[1]!.messageIds.length, 3);
  });

  it('frees the first 1,000 service conversations until 2024-10-31, and every one from 2024-11-01', () => {
    const october = new Story('2024-10-31T08:00:00Z', '6281234567890');
    october.customerWrites(0);
    october.text(1);
    assert.deepEqual(charges(october), ['C service regular']);
    assert.equal(draftOf(october.units(), '2024-10', [cards.usd2023()]).lines[0]!.charge, 'free_tier');
    const november = new Story('2024-11-01T08:00:00Z', '6281234567890');
    november.customerWrites(0);
    november.text(1);
    assert.deepEqual(charges(november), ['C service free_customer_service']);
  });

  it('starts a new conversation when a delivery lands exactly 24 h after the one that opened it', () => {
    const s = new Story('2023-07-03T08:00:00Z', '6281234567890');
    s.template(0, 'marketing');
    s.template(24, 'marketing');
    s.template(48 - S, 'marketing');
    assert.deepEqual(s.units().map((u) => u.messageIds.length), [1, 2]);
  });
});

describe('authentication-international', () => {
  const eligible = eligibleAccount({ primaryLocation: 'BR' });

  it('prices an eligible business abroad at the international rate from the market start date', () => {
    const s = new Story('2025-10-06T08:00:00Z', '919876543210');
    s.template(0, 'authentication');
    assert.deepEqual(charges(s, eligible), ['D authentication_international regular']);
    const draft = draftOf(s.units(eligible), '2025-10', [cards.usd2025q4()], [eligible]);
    assert.deepEqual(lineSummary(draft), ['India authentication_international regular 1 x 0.0280 = 0.03']);
  });

  it('does not apply before the market start date (India: 2024-07-01)', () => {
    const s = new Story('2024-06-20T08:00:00Z', '919876543210');
    s.template(0, 'authentication');
    assert.deepEqual(charges(s, eligible), ['C authentication regular']);
  });

  it('never applies in the business primary-location country, nor to an ineligible business', () => {
    const s = new Story('2025-10-06T08:00:00Z', '919876543210');
    s.template(0, 'authentication');
    assert.deepEqual(charges(s, eligibleAccount({ primaryLocation: 'IN' })), ['D authentication regular']);
    assert.deepEqual(charges(s, account({ primaryLocation: 'BR' })), ['D authentication regular']);
  });
});

describe('era E markets', () => {
  it('moves the nine new standalone markets out of their regions (Kazakhstan was priced as Russia)', () => {
    const before = new Story('2026-09-28T08:00:00Z', '77012345678');
    before.template(0, 'marketing');
    const after = new Story('2026-10-05T08:00:00Z', '77012345678');
    after.template(0, 'marketing');
    assert.equal(before.units()[0]!.market, 'Russia');
    assert.equal(after.units()[0]!.market, 'Kazakhstan');
  });
});

describe('statuses: duplicates, order, failures', () => {
  it('charges a message at most once whatever its statuses repeat', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    const id = s.template(0, 'marketing');
    const delivered = s.events.find((e) => e.type === 'MessageDelivered' && e.data.messageId === id)!;
    s.events.push(delivered, delivered, { ...delivered, type: 'MessageRead', data: { ...delivered.data, timestamp: s.at(1) } });
    assert.deepEqual(charges(s), ['D marketing regular']);
  });

  it('delivers a message at its earliest delivered or read status, whatever order they arrive in', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    s.customerWrites(0);
    const id = s.send(23, 'utility', 'none');
    const key = { wabaId: 'waba-1', phoneNumberId: 'phone-1', customer: s.customer, messageId: id };
    s.events.unshift({ type: 'MessageDelivered', data: { ...key, timestamp: s.at(25) } });
    s.events.push({ type: 'MessageRead', data: { ...key, timestamp: s.at(23.5) } });
    const units = s.units();
    assert.deepEqual(charges(s), ['D utility free_customer_service']);
    assert.equal(units[0]!.openedAt, s.at(23.5));
  });

  it('names the read status as the event that delivered a message Meta never marked delivered', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    const id = s.send(0, 'marketing', 'read');
    const read = s.events.find((e) => e.type === 'MessageRead')!;
    s.events[s.events.indexOf(read)] = { ...read, position: '7/7' };
    const decision = foldThread(s.events, account(), engine, { trace: true }).decisions.find((d) => d.messageId === id)!;
    assert.deepEqual([decision.event, decision.position, decision.action], ['MessageRead', '7/7', 'charged']);
  });

  it('charges a message delivered on a second device after it failed on the first', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    const id = s.send(0, 'marketing', 'failed');
    s.events.push({ type: 'MessageDelivered', data: { wabaId: 'waba-1', phoneNumberId: 'phone-1', customer: s.customer, messageId: id, timestamp: s.at(0.5) } });
    assert.deepEqual(charges(s), ['D marketing regular']);
  });

  it('never charges nor opens anything for a message that only failed', () => {
    const s = new Story('2023-07-03T08:00:00Z', '6281234567890');
    s.send(0, 'marketing', 'failed');
    s.template(1, 'marketing');
    const units = s.units();
    assert.equal(units.length, 1);
    assert.equal(units[0]!.openedAt, s.at(1, 1));
  });

  it('takes Meta\'s stated category for a delivery whose send was never recorded', () => {
    const s = new Story('2025-10-06T08:00:00Z');
    s.events.push({
      type: 'MessageDelivered',
      data: { wabaId: 'waba-1', phoneNumberId: 'phone-1', customer: s.customer, messageId: 'wamid.orphan', timestamp: s.at(0), stated: { pricing: { category: 'marketing', pricing_model: 'PMP', billable: true } } },
    });
    assert.deepEqual(charges(s), ['D marketing regular']);
  });
});

describe('windows at an instant', () => {
  it('reports the open CSW, conversations by category with expiry, and the FEP window', () => {
    const s = new Story('2023-07-03T08:00:00Z', '6281234567890');
    s.template(0, 'marketing');
    s.customerWrites(2);
    s.template(3, 'utility');
    const at = Date.parse(s.at(10));
    const { windows } = foldThread(s.events, account(), engine, { until: at });
    assert.deepEqual(windows, {
      at: s.at(10),
      customerService: { open: true, expiresAt: s.at(26) },
      conversations: [
        { category: 'marketing', openedAt: s.at(0, 1), expiresAt: s.at(24, 1), unitId: windows.conversations[0]!.unitId },
        { category: 'utility', openedAt: s.at(3, 1), expiresAt: s.at(27, 1), unitId: windows.conversations[1]!.unitId },
      ],
      freeEntryPoint: { open: false, expiresAt: null },
    });
    const later = foldThread(s.events, account(), engine, { until: Date.parse(s.at(26.5)) }).windows;
    assert.deepEqual(later.conversations.map((c) => c.category), ['utility']);
    assert.equal(later.customerService.open, false);
  });
});
