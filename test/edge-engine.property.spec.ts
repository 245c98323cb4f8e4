import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Positioned } from '../projections/events.js';
import { PolicyTimeline } from '../projections/policies/timeline.js';
import { RateCardBook } from '../projections/rating/rate-card-book.js';
import { rateMonth } from '../projections/rating/rating.projection.js';
import { foldThread } from '../projections/thread/thread.projection.js';
import { AccountTerms } from '../projections/accounts/account-terms.js';
import type { AccountRecord, CardHistory, Directory } from '../src/accounts/account-directory.js';
import { SYSTEM } from '../src/auth/scope.js';
import { planCanonical } from '../src/batch/command-catalog.js';
import type { CommandContext } from '../src/common/command-context.js';
import { LedgerError } from '../src/common/ledger-error.js';
import { account, cards, engine } from './support/engine-kit.js';

const WABA = 'waba-1';
const PHONE = 'phone-1';

/** The one account and number the generated commands name, as the store would answer for them. */
const directory: Directory = {
  cardHistory: async (): Promise<CardHistory> => ({ published: [], withdrawn: new Map() }),
  require: async (): Promise<AccountRecord> => ({ account: account(), numbers: new Set([PHONE]), legacy: new Set<string>() }),
  requireNumber: async (): Promise<AccountRecord> => ({ account: account(), numbers: new Set([PHONE]), legacy: new Set<string>() }),
  portfolioMembers: async () => [WABA],
};

const context: CommandContext = { scope: SYSTEM, source: 'import', correlationId: 'property', recordedAt: '2027-01-01T00:00:00.000Z' };

/** Instants in every form RFC 3339 allows: offsets, fractions, around era changes and month ends. */
const instant = fc
  .record({
    ms: fc.integer({ min: Date.parse('2018-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') }),
    offset: fc.constantFrom('Z', '+05:30', '-03:00', '+14:00', '-12:00'),
    fraction: fc.constantFrom('', '.5', '.123', '.123456789'),
  })
  .map(({ ms, offset, fraction }) => {
    const minutes = offset === 'Z' ? 0 : (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4)));
    const local = new Date(ms + minutes * 60_000).toISOString().slice(0, 19);
    return `${local}${fraction}${offset}`;
  });

const command = fc.record({
  type: fc.constantFrom('MessageSent', 'MessageReceived', 'MessageDelivered', 'MessageRead', 'MessageFailed'),
  message: fc.integer({ min: 1, max: 6 }),
  timestamp: instant,
  kind: fc.constantFrom('text', 'template', 'call', 'interactive'),
  category: fc.constantFrom('marketing', 'utility', 'authentication', 'promo'),
  stated: fc.option(fc.record({ pricing: fc.record({ category: fc.constantFrom('marketing', 'marketing_lite', 'service', 'authentication-international', 'business_ai', 'user_initiated') }) }), { nil: undefined }),
  referral: fc.boolean(),
});

describe('the edge and the engine agree', () => {
  it('folds and rates, without throwing, every thread of commands the edge accepts', async () => {
    const timeline = new PolicyTimeline();
    const book = new RateCardBook([cards.usd2023(), cards.usd2025q4(), cards.usd2026()]);
    const zoned = account({ timezone: 'America/Sao_Paulo', primaryLocation: 'BR', changes: [{ wabaId: WABA, effectiveFrom: '2025-11-01', timezone: 'Asia/Kolkata', currency: 'INR' }] });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('5511987654321', '919876543210', '6281234567890', '12025550123', '77012345678'), fc.array(command, { minLength: 1, maxLength: 20 }), async (customer, commands) => {
        const events: Positioned[] = [];
        for (const c of commands) {
          const plain = {
            type: c.type,
            wabaId: WABA,
            phoneNumberId: PHONE,
            customer,
            messageId: `wamid.${c.message}`,
            timestamp: c.timestamp,
            ...(c.type === 'MessageSent' || c.type === 'MessageReceived' ? { kind: c.kind } : {}),
            ...(c.type === 'MessageSent' && c.kind === 'template' ? { template: { name: 't', category: c.category } } : {}),
            ...(c.type === 'MessageReceived' && c.referral ? { referral: { sourceType: 'ad' } } : {}),
            ...(c.type === 'MessageDelivered' && c.stated ? { stated: c.stated } : {}),
            ...(c.type === 'MessageFailed' ? { errors: [{ code: 131049 }] } : {}),
          };
          try {
            const write = await planCanonical(plain, context, directory);
            for (const event of write.events) events.push({ type: event.type, data: event.data } as Positioned);
          } catch (error) {
            if (!(error instanceof LedgerError)) throw error;
          }
        }
        for (const who of [account(), zoned]) {
          const { units } = foldThread(events, who, engine, { trace: true });
          const calendar = AccountTerms.of(who).calendar;
          for (const period of new Set(units.map((u) => calendar.month(Date.parse(u.openedAt))))) {
            const drafts = rateMonth({ period, accounts: new Map([[WABA, who]]), units, book, timeline });
            assert.ok(drafts.get(WABA));
          }
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
