import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RateCardPublishedData } from '../../projections/events.js';
import type { ReplayResult } from '../../src/cli/replay.cli.js';
import { runCli } from '../support/cli.js';
import { cards, readShared, Story } from '../support/engine-kit.js';

const dir = mkdtempSync(join(tmpdir(), 'ledger-replay-test-'));
const ndjson = (name: string, lines: readonly object[]): string => {
  const file = join(dir, name);
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
};
const card = (data: RateCardPublishedData) => ({ type: 'RateCardPublished', ...data });
/** A card of a new era after the last one: it names the markets and categories it leaves out, as the ledger asks. */
const following = (data: RateCardPublishedData, previous: RateCardPublishedData) => {
  const markets = new Set(data.rates.map((r) => r.market));
  const categories = new Set(data.rates.map((r) => r.category));
  const drops = new Set(previous.rates.flatMap((r) => (!markets.has(r.market) ? [r.market] : !categories.has(r.category) ? [r.category] : [])));
  return { ...card(data), drops: [...drops].sort() };
};
const canonical = (story: Story) => story.events.map((e) => ({ type: e.type, ...e.data }));
const accountOf = (story: Story, timezone = 'UTC') => [
  { type: 'AccountRegistered', wabaId: story.wabaId, portfolioId: `pf-${story.wabaId}`, timezone, currency: 'USD' },
  { type: 'PhoneNumberAttached', wabaId: story.wabaId, phoneNumberId: story.phoneNumberId },
];

/** PRICING.md's worked examples, each in its own WABA and portfolio, written as a billing team would feed them. */
function workedExamples(): Map<string, Story> {
  const stories = new Map<string, Story>();
  const story = (n: string, t0: string, customer = '5511987654321') => {
    const s = new Story(t0, customer, `ph-${n}`, `ex-${n}`);
    stories.set(n, s);
    return s;
  };
  const s1 = story('1', '2022-03-01T09:00:00Z');
  s1.customerWrites(0);
  for (let h = 0; h < 20; h += 2) s1.text(h + 0.1);
  const s2 = story('2', '2022-03-01T13:13:00Z');
  s2.customerWrites(0);
  s2.text(0);
  s2.template(26 + 32 / 60, 'utility');
  const s3 = story('3', '2022-03-01T08:00:00Z');
  s3.template(0, 'marketing');
  s3.template(5, 'utility');
  const s4 = story('4', '2022-03-01T08:00:00Z');
  s4.template(0, 'marketing');
  s4.customerWrites(30);
  s4.text(30.5);
  const s5 = story('5', '2022-03-01T08:00:00Z');
  s5.customerWrites(0);
  const s6 = story('6', '2023-07-03T08:00:00Z', '6281234567890');
  s6.template(0, 'marketing');
  s6.template(4, 'utility');
  s6.template(10, 'utility');
  const s7 = story('7', '2023-07-03T08:00:00Z', '6281234567890');
  s7.template(0, 'marketing');
  s7.customerWrites(4);
  s7.send(5);
  s7.text(25);
  s7.text(26);
  const s8 = story('8', '2023-07-03T10:00:00Z', '6281234567890');
  s8.customerWrites(0, { referral: true });
  s8.template(12, 'marketing');
  const s9 = story('9', '2025-10-06T08:00:00Z');
  s9.template(0, 'marketing');
  s9.customerWrites(2);
  s9.text(3);
  s9.template(4, 'utility');
  s9.template(30, 'utility');
  const s10 = story('10', '2025-10-06T08:00:00Z');
  s10.customerWrites(0, { referral: true });
  s10.text(3);
  s10.template(48, 'marketing');
  s10.template(76, 'marketing');
  const s11 = story('11', '2025-10-06T08:00:00Z', '12025550123');
  s11.send(0, 'marketing', 'failed');
  return stories;
}

const replayJson = async (...args: string[]): Promise<ReplayResult> => {
  const run = await runCli(['replay', ...args, '--json']);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as ReplayResult;
};

describe('ledger replay', () => {
  let examples: ReplayResult;

  before(async () => {
    const lines: object[] = [card(cards.usd2022()), following(cards.usd2023(), cards.usd2022()), following(cards.usd2025q4(), cards.usd2023())];
    for (const story of workedExamples().values()) lines.push(...accountOf(story), ...canonical(story));
    examples = await replayJson('--input', ndjson('worked-examples.ndjson', lines));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const unitsOf = (n: string) => examples.units.filter((u) => u.wabaId === `ex-${n}`).map((u) => `${u.category} ${u.charge} ${u.messageIds.length}`);
  const invoiceOf = (n: string) => examples.invoices.find((i) => i.wabaId === `ex-${n}`);
  const linesOf = (n: string) => invoiceOf(n)!.lines.map((l) => `${l.market} ${l.category} ${l.charge} ${l.quantity} x ${l.unitPrice} = ${l.amount}`);

  it('prints the units of the era B examples with the charge they were rated at: inside the free tier of 1,000 a month, none when nobody answers', () => {
    assert.deepEqual(unitsOf('1'), ['user_initiated free_tier 10']);
    assert.deepEqual(unitsOf('2'), ['user_initiated free_tier 1', 'business_initiated free_tier 1']);
    assert.deepEqual(unitsOf('3'), ['business_initiated free_tier 2']);
    assert.deepEqual(unitsOf('4'), ['business_initiated free_tier 1', 'user_initiated free_tier 1']);
    assert.deepEqual(unitsOf('5'), []);
    assert.deepEqual(linesOf('1'), ['Brazil user_initiated free_tier 1 x 0 = 0.00']);
    assert.equal(invoiceOf('2')!.total, '0.00');
  });

  it('prints the era C examples with their totals: 0.06, 0.04 and a free entry point at 0.00', () => {
    assert.deepEqual(unitsOf('6'), ['marketing regular 1', 'utility regular 2']);
    assert.deepEqual(linesOf('6'), ['Indonesia marketing regular 1 x 0.0411 = 0.04', 'Indonesia utility regular 1 x 0.0200 = 0.02']);
    assert.equal(invoiceOf('6')!.total, '0.06');
    assert.deepEqual(unitsOf('7'), ['marketing regular 2', 'service free_tier 2'], 'service conversations take the free tier of 2023-06 .. 2024-10');
    assert.equal(invoiceOf('7')!.total, '0.04');
    assert.deepEqual(unitsOf('8'), ['referral_conversion free_entry_point 1']);
    assert.deepEqual(linesOf('8'), ['Indonesia referral_conversion free_entry_point 1 x 0 = 0.00']);
  });

  it('prints the era D examples: two charges (0.07), a free entry point window (0.06), and nothing for a failed template', () => {
    assert.deepEqual(unitsOf('9'), ['marketing regular 1', 'service free_customer_service 1', 'utility free_customer_service 1', 'utility regular 1']);
    assert.deepEqual(linesOf('9'), [
      'Brazil marketing regular 1 x 0.0625 = 0.06',
      'Brazil service free_customer_service 1 x 0 = 0.00',
      'Brazil utility regular 1 x 0.0068 = 0.01',
      'Brazil utility free_customer_service 1 x 0 = 0.00',
    ]);
    assert.equal(invoiceOf('9')!.total, '0.07');
    assert.deepEqual(unitsOf('10'), ['service free_entry_point 1', 'marketing free_entry_point 1', 'marketing regular 1']);
    assert.equal(invoiceOf('10')!.total, '0.06');
    assert.deepEqual(unitsOf('11'), []);
  });

  it('gives every unit the fields a script needs and every invoice line its rate card', () => {
    const unit = examples.units.find((u) => u.wabaId === 'ex-9')!;
    for (const field of ['wabaId', 'phoneNumberId', 'customer', 'kind', 'category', 'market', 'charge', 'openedAt', 'messageIds']) assert.ok(field in unit, field);
    const line = invoiceOf('9')!.lines[0]!;
    assert.deepEqual(line.rateCard, { id: 'meta-USD', version: '2025-10-01', row: 'Brazil/marketing' });
    assert.equal(invoiceOf('9')!.period, '2025-10');
    assert.equal(invoiceOf('9')!.currency, 'USD');
  });

  it('reads Meta webhook payloads as they arrive, ignoring sent statuses and other fields', async () => {
    const payloads = readdirSync(new URL('../../../../shared/data/webhooks/', import.meta.url)).sort().map((f) => JSON.parse(readShared(`data/webhooks/${f}`)) as object);
    const file = ndjson('webhooks.ndjson', [
      card(cards.usd2025q4()),
      { type: 'AccountRegistered', wabaId: '102290129340398', portfolioId: 'pf-meta', timezone: 'UTC', currency: 'USD' },
      { type: 'PhoneNumberAttached', wabaId: '102290129340398', phoneNumberId: '106540352242922' },
      { type: 'AccountRegistered', wabaId: 'WHATSAPP_BUSINESS_ACCOUNT_ID', portfolioId: 'pf-meta', timezone: 'UTC', currency: 'USD' },
      { type: 'PhoneNumberAttached', wabaId: 'WHATSAPP_BUSINESS_ACCOUNT_ID', phoneNumberId: 'PHONE_NUMBER_ID' },
      ...payloads,
    ]);
    const result = await replayJson('--input', file, '--skip-invalid');
    assert.deepEqual(result.skipped, []);
    assert.equal(result.lines.applied, 5 + payloads.length);
  });

  it('applies dated settings changes: authentication to India is international only from the business start time', async () => {
    const s = new Story('2025-10-06T08:00:00Z', '919876543210', 'ph-intl', 'intl');
    s.template(0, 'authentication');
    s.template(24 * 10, 'authentication');
    const file = ndjson('settings.ndjson', [
      card(cards.usd2025q4()),
      ...accountOf(s),
      { type: 'AccountSettingsChanged', wabaId: 'intl', effectiveFrom: '2025-10-01', primaryLocation: 'BR' },
      { type: 'AccountSettingsChanged', wabaId: 'intl', effectiveFrom: '2025-10-10', authInternational: { startTime: '2025-10-10T00:00:00Z' } },
      ...canonical(s),
    ]);
    const result = await replayJson('--input', file);
    assert.deepEqual(
      result.invoices.find((i) => i.wabaId === 'intl')!.lines.map((l) => `${l.market} ${l.category} ${l.quantity} x ${l.unitPrice}`),
      ['India authentication 1 x 0.0014', 'India authentication_international 1 x 0.0280'],
    );
    assert.deepEqual(result.units.filter((u) => u.wabaId === 'intl').map((u) => `${u.category} ${u.charge}`), ['authentication regular', 'authentication_international regular']);
  });

  it('leaves out lines recorded after --as-of: a late delivery is not yet billed', async () => {
    const s = new Story('2025-10-06T08:00:00Z', '5511987654321', 'ph-late', 'late');
    s.template(0, 'marketing');
    const [sent, delivered] = canonical(s);
    const file = ndjson('late.ndjson', [
      { ...card(cards.usd2025q4()), recordedAt: '2025-10-01T00:00:00Z' },
      ...accountOf(s).map((l) => ({ ...l, recordedAt: '2025-10-01T00:00:00Z' })),
      { ...sent, recordedAt: '2025-10-06T08:00:00Z' },
      { ...delivered, recordedAt: '2025-11-03T00:00:00Z' },
    ]);
    const before = await replayJson('--input', file, '--as-of', '2025-11-01T00:00:00Z');
    assert.equal(before.units.length, 0);
    assert.equal(before.lines.afterAsOf, 1);
    const later = await replayJson('--input', file);
    assert.equal(later.invoices.find((i) => i.wabaId === 'late')!.total, '0.06');
  });

  it('stops at a bad line with its number and reason, or reports it with --skip-invalid', async () => {
    const file = ndjson('bad.ndjson', [
      { type: 'AccountRegistered', wabaId: 'bad-1', portfolioId: 'p', timezone: 'Mars/Olympus', currency: 'USD' },
      { type: 'AccountRegistered', wabaId: 'bad-2', portfolioId: 'p', timezone: 'UTC', currency: 'USD' },
    ]);
    const stopped = await runCli(['replay', '--input', file, '--json']);
    assert.equal(stopped.code, 2);
    assert.match(stopped.stderr, /line 1: VALIDATION_FAILED \(timezone\)/);
    const skipped = await replayJson('--input', file, '--skip-invalid');
    assert.equal(skipped.skipped.length, 1);
    assert.equal(skipped.skipped[0]!.line, 1);
    assert.equal(skipped.lines.applied, 1);
  });

  it('prints a readable summary without --json', async () => {
    const s = new Story('2025-10-06T08:00:00Z', '5511987654321', 'ph-sum', 'sum');
    s.template(0, 'marketing');
    const run = await runCli(['replay', '--input', ndjson('summary.ndjson', [card(cards.usd2025q4()), ...accountOf(s), ...canonical(s)])]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /sum 2025-10 \(USD\)/);
    assert.match(run.stdout, /Brazil\s+marketing\s+regular\s+1 x\s+0\.0625 =\s+0\.06/);
    assert.match(run.stdout, /1 billable units/);
  });
});
