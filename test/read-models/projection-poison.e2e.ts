import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountStream, threadStream } from '../../projections/events.js';
import type { LedgerConfig } from '../../src/config/ledger.config.js';
import type { EventInput } from '../../src/event-store/event-store.port.js';
import { formatPosition } from '../../src/event-store/position.js';
import type { FailureRecord } from '../../src/read-models/failures/failure-log.js';
import { ADMIN_KEY, Client, startApp } from '../support/app.js';
import type { Running } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { cards } from '../support/engine-kit.js';

export interface PoisonSubject {
  readonly config: LedgerConfig;
  /** The environment a `ledger` CLI needs to open the same stores. */
  readonly env: NodeJS.ProcessEnv;
  teardown(): Promise<void>;
}

const GOOD = 'waba-good';
const BAD = 'waba-bad';
const metadata = { recordedAt: '2025-10-01T00:00:00.000Z', actor: 'old-version', source: 'import', schemaVersion: 1 };
const event = (type: string, key: string, data: object): EventInput => ({ id: `${type}:${key}`, type, data, metadata });

/**
 * Events the engine cannot process, written straight into the store for one account as a bug or
 * an old version could have written them, beside an account that is fine. Run on every store.
 */
export function poisonSuite(name: string, subject: () => Promise<PoisonSubject>): void {
  describe(`projection failures are isolated: ${name}`, () => {
    let context: PoisonSubject;
    let running: Running;
    let admin: Client;
    let auditor: Client;
    let goodAt = '';

    const failures = async () => (await auditor.get<{ failures: FailureRecord[] }>(`/projection/failures?minPosition=${goodAt}`)).body.failures;

    before(async () => {
      context = await subject();
      running = await startApp(context.config);
      admin = new Client(running.url, ADMIN_KEY);
      auditor = admin.as((await admin.post<{ key: string }>('/api-keys', { roles: ['auditor'] })).body.key);
      assert.equal((await admin.post('/rate-cards', cards.usd2025q4())).status, 201);
      assert.equal((await admin.post('/accounts', { wabaId: GOOD, portfolioId: 'pf-good', timezone: 'UTC', currency: 'USD' })).status, 201);
      assert.equal((await admin.post('/phone-numbers', { wabaId: GOOD, phoneNumberId: 'phone-good' })).status, 201);

      // An account registered with a currency no rating knows, and a template sent as an array.
      const store = running.store;
      const bad = { wabaId: BAD, portfolioId: 'pf-bad', timezone: 'UTC', currency: 'usd', rateCardId: 'meta-USD' };
      await store.append(accountStream(BAD), [event('AccountRegistered', BAD, bad), event('PhoneNumberAttached', 'phone-bad', { wabaId: BAD, phoneNumberId: 'phone-bad' })], { expected: 'any' });
      const october = threadStream(BAD, 'phone-bad', '5511900000001');
      const key = { wabaId: BAD, phoneNumberId: 'phone-bad', customer: '5511900000001' };
      await store.append(
        october,
        [
          event('MessageSent', 'wamid.bad1', { ...key, messageId: 'wamid.bad1', timestamp: '2025-10-06T10:00:00.000Z', kind: 'template', template: { name: 'promo', category: 'marketing' } }),
          event('MessageDelivered', 'wamid.bad1', { ...key, messageId: 'wamid.bad1', timestamp: '2025-10-06T10:00:01.000Z' }),
        ],
        { expected: 'any' },
      );
      const november = { ...key, customer: '5511900000002' };
      await store.append(
        threadStream(BAD, 'phone-bad', november.customer),
        [
          event('MessageSent', 'wamid.bad2', { ...november, messageId: 'wamid.bad2', timestamp: '2025-11-06T10:00:00.000Z', kind: 'template', template: [] }),
          event('MessageDelivered', 'wamid.bad2', { ...november, messageId: 'wamid.bad2', timestamp: '2025-11-06T10:00:01.000Z' }),
        ],
        { expected: 'any' },
      );

      // The other account's traffic comes after the poison in the log, through the API.
      const thread = { wabaId: GOOD, phoneNumberId: 'phone-good', customer: '5511987654321' };
      const sent = await admin.post<{ position: string }>('/messages/sent', { ...thread, messageId: 'wamid.good1', timestamp: '2025-10-06T10:00:00Z', kind: 'template', template: { name: 'promo', category: 'marketing' } });
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      const delivered = await admin.post<{ position: string }>('/messages/statuses', { ...thread, messageId: 'wamid.good1', status: 'delivered', timestamp: '2025-10-06T10:00:01Z' });
      assert.equal(delivered.status, 201, JSON.stringify(delivered.body));
      goodAt = delivered.body.position;
    });
    after(async () => {
      await running.close();
      await context.teardown();
    });

    it("keeps every other account's drafts current: the good account's October is priced after the poison", async () => {
      const reply = await admin.get<{ draft: { total: string }; blocked: unknown[] }>(`/accounts/${GOOD}/drafts?period=2025-10&minPosition=${goodAt}`);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(reply.body.draft.total, '0.06');
      assert.deepEqual(reply.body.blocked, []);
    });

    it('lists each failure with its partition, position, stream, event type, code, message, times seen and the months it blocks', async () => {
      const list = await failures();
      const month = list.find((f) => f.kind === 'month');
      const thread = list.find((f) => f.kind === 'thread');
      assert.equal(list.length, 2, JSON.stringify(list));
      assert.ok(month && thread);
      assert.deepEqual(
        { code: month.code, subject: month.subject, message: month.message, blocks: month.blocks },
        { code: 'RATING_FAILED', subject: 'pf-bad/2025-10', message: 'no ISO 4217 minor unit known for currency usd', blocks: [{ wabaId: BAD, period: '2025-10' }] },
      );
      assert.deepEqual(
        { code: thread.code, stream: thread.stream, eventType: thread.eventType, wabaId: thread.wabaId, blocks: thread.blocks },
        { code: 'UNIT_INVALID', stream: threadStream(BAD, 'phone-bad', '5511900000002'), eventType: 'MessageDelivered', wabaId: BAD, blocks: [{ wabaId: BAD, period: '2025-11' }] },
      );
      assert.match(thread.message, /category is undefined/);
      assert.equal(thread.partition, month.partition, 'one portfolio, one partition');
      assert.match(thread.position, /^\d+\/\d+$/);
      assert.ok(thread.attempts >= 1 && thread.firstSeen <= thread.lastSeen);
      const of = async (waba: string) => (await auditor.get<{ failures: FailureRecord[] }>(`/projection/failures?wabaId=${waba}`)).body.failures.map((f) => f.id).sort();
      assert.deepEqual(await of(BAD), list.map((f) => f.id).sort());
      assert.deepEqual(await of(GOOD), [], "one account's failures, as its page in the console asks for them");
      const cli = await runCli(['projection', 'failures', '--json'], context.env);
      assert.equal(cli.code, 0, cli.stderr);
      assert.deepEqual((JSON.parse(cli.stdout) as { failures: FailureRecord[] }).failures.map((f) => f.id).sort(), list.map((f) => f.id).sort());
    });

    it('says degraded in /health (200) with the count and the oldest failure, and counts them by partition and code in /metrics', async () => {
      const health = await admin.get<{ status: string; projection: { failures: { count: number; oldest: { id: string } | null } } }>('/health');
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'degraded');
      assert.equal(health.body.projection.failures.count, 2);
      assert.ok((await failures()).some((f) => f.id === health.body.projection.failures.oldest?.id));
      const metrics = (await admin.get<string>('/metrics')).body;
      const partition = (await failures())[0]!.partition;
      assert.match(metrics, new RegExp(`ledger_projection_failures\\{partition="${partition}",code="RATING_FAILED"\\} 1`));
      assert.match(metrics, new RegExp(`ledger_projection_failures\\{partition="${partition}",code="UNIT_INVALID"\\} 1`));
    });

    it('refuses to issue a blocked month with DRAFT_BLOCKED, naming the failure', async () => {
      const month = (await failures()).find((f) => f.kind === 'month')!;
      const reply = await admin.post<{ code: string; detail: string }>('/invoices', { wabaId: BAD, period: '2025-10', force: true });
      assert.equal(reply.status, 409, JSON.stringify(reply.body));
      assert.equal(reply.body.code, 'DRAFT_BLOCKED');
      assert.match(reply.body.detail, new RegExp(month.id));
    });

    it('after a correcting event and a retry, the month is current and its failure gone; what still fails stays listed and blocked', async () => {
      const corrected = await running.store.append(accountStream(BAD), [event('AccountSettingsChanged', 'usd-fix', { wabaId: BAD, effectiveFrom: '2025-10-01', currency: 'USD' })], { expected: 'any' });
      const retry = await admin.post<{ requested: string[]; remaining: FailureRecord[] }>('/projection/retry', { all: true });
      assert.equal(retry.status, 200, JSON.stringify(retry.body));
      assert.deepEqual(retry.body.remaining.map((f) => f.code), ['UNIT_INVALID']);
      assert.ok(retry.body.remaining[0]!.attempts >= 2, 'the thread was folded again');
      const draft = await admin.get<{ draft: { total: string; currency: string }; blocked: unknown[] }>(`/accounts/${BAD}/drafts?period=2025-10&minPosition=${formatPosition(corrected.position)}`);
      assert.equal(draft.status, 200, JSON.stringify(draft.body));
      assert.deepEqual({ total: draft.body.draft.total, currency: draft.body.draft.currency, blocked: draft.body.blocked }, { total: '0.06', currency: 'USD', blocked: [] });
      const issued = await admin.post('/invoices', { wabaId: BAD, period: '2025-10', force: true });
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      const november = await admin.post<{ code: string }>('/invoices', { wabaId: BAD, period: '2025-11', force: true });
      assert.equal(november.body.code, 'DRAFT_BLOCKED');
      const health = await admin.get<{ status: string; projection: { failures: { count: number } } }>('/health');
      assert.deepEqual({ status: health.body.status, count: health.body.projection.failures.count }, { status: 'degraded', count: 1 });
      const unknown = await admin.post<{ code: string }>('/projection/retry', { failureId: 'thread-0000000000000000' });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'FAILURE_UNKNOWN');
      const cli = await runCli(['projection', 'retry', '--all', '--json'], context.env);
      assert.equal(cli.code, 1, `still failing: exit 1 (${cli.stderr})`);
      assert.deepEqual((JSON.parse(cli.stdout) as { remaining: FailureRecord[] }).remaining.map((f) => f.code), ['UNIT_INVALID']);
    });
  });
}
