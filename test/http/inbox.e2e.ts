import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LedgerConfig } from '../../src/config/ledger.config.js';
import { openEventStore } from '../../src/event-store/event-store.factory.js';
import { ADMIN_KEY, Client, countEvents, meta, sign, startApp } from '../support/app.js';
import type { Running } from '../support/app.js';
import { runCli } from '../support/cli.js';

export interface InboxSubject {
  readonly config: LedgerConfig;
  /** The same store for the `ledger` CLI. */
  readonly env: NodeJS.ProcessEnv;
  teardown(): Promise<void>;
}

const LATE = 'waba-late';
const PHONE = 'phone-late';
const CUSTOMER = '5511987654321';

interface Parked {
  readonly total: number;
  readonly parked: readonly { id: string; code: string; wabaId: string | null; phoneNumberId: string | null; path: string }[];
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Meta's webhooks through the inbox: nothing signed is refused or lost, and what waits is recorded once it can be. */
export function inboxSuite(name: string, subject: () => Promise<InboxSubject>): void {
  describe(`the webhook inbox: ${name}`, () => {
    let context: InboxSubject;
    let running: Running;
    let admin: Client;
    const payload = meta.payload(LATE, PHONE, { messages: [meta.inbound(CUSTOMER, 'wamid.early', '2025-10-06T12:00:00Z')] });

    before(async () => {
      context = await subject();
      running = await startApp(context.config);
      admin = new Client(running.url, ADMIN_KEY);
    });
    after(async () => {
      await running.close();
      await context.teardown();
    });

    it('takes a payload for an account it does not know yet (200) and parks its item, with why, in the list, the health and the metrics', async () => {
      const reply = await admin.webhook(payload);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(reply.body.duplicate, false);
      const outcome = await admin.processed(reply.body.payload as string);
      assert.deepEqual(outcome.parked.map((p) => [p.path, p.code]), [['entry[0].changes[0].value.messages[0]', 'ACCOUNT_UNKNOWN']]);
      const parked = await admin.get<Parked>('/webhooks/parked');
      assert.deepEqual(parked.body.parked.map((p) => [p.code, p.wabaId]), [['ACCOUNT_UNKNOWN', LATE]]);
      assert.equal((await admin.get<Parked>(`/webhooks/parked?wabaId=${LATE}`)).body.total, 1);
      assert.equal((await admin.get<Parked>('/webhooks/parked?wabaId=waba-someone-else')).body.total, 0, "one account's parked items only");
      const health = await admin.get<{ warnings: string[]; inbox: { parked: number } }>('/health');
      assert.equal(health.body.inbox.parked, 1);
      assert.match(health.body.warnings.join('\n'), /1 webhook item\(s\) parked/);
      assert.match((await admin.get<string>('/metrics')).body, /ledger_webhook_items_parked 1/);
    });

    it('appends nothing, not even to the inbox, for the same payload again or a bad signature', async () => {
      const before = await countEvents(running.store);
      const again = await admin.webhook(payload);
      assert.deepEqual([again.status, again.body.duplicate], [200, true]);
      const forged = await admin.webhook(payload, sign(JSON.stringify(payload), 'not-the-secret'));
      assert.deepEqual([forged.status, forged.body.code], [401, 'SIGNATURE_INVALID']);
      const malformed = await admin.webhook(payload, 'sha256=abc');
      assert.deepEqual([malformed.status, malformed.body.code], [401, 'SIGNATURE_INVALID']);
      assert.equal(await countEvents(running.store), before);
    });

    it('records the parked item by itself once the account is registered, and waits again for the number', async () => {
      assert.equal((await admin.post('/accounts', { wabaId: LATE, portfolioId: 'pf-late', timezone: 'UTC', currency: 'USD' })).status, 201);
      const waiting = await until(() => admin.get<Parked>('/webhooks/parked'), (r) => r.body.parked[0]?.code === 'PHONE_NUMBER_UNKNOWN', 'the item waits for the number');
      assert.deepEqual(waiting.body.parked.map((p) => [p.code, p.phoneNumberId]), [['PHONE_NUMBER_UNKNOWN', PHONE]]);
      assert.equal((await admin.post('/phone-numbers', { wabaId: LATE, phoneNumberId: PHONE })).status, 201);
      await until(() => admin.get<Parked>('/webhooks/parked'), (r) => r.body.total === 0, 'the parked item is recorded');
      const windows = () => admin.get<{ threads?: { windows: { customerService: { open: boolean } } }[] }>(`/accounts/${LATE}/windows?at=2025-10-06T13:00:00Z&phoneNumberId=${PHONE}&customer=${CUSTOMER}`);
      await until(windows, (r) => r.body.threads?.[0]?.windows.customerService.open === true, "the customer's message opens the window");
    });

    it('records what it parked on `ledger webhooks redrive --all` after a fix made while no processor ran', async () => {
      const other = meta.payload(LATE, 'phone-fixed', { messages: [meta.inbound(CUSTOMER, 'wamid.fixed', '2025-10-07T12:00:00Z')] });
      const reply = await admin.webhook(other);
      const outcome = await admin.processed(reply.body.payload as string);
      assert.deepEqual(outcome.parked.map((p) => p.code), ['PHONE_NUMBER_UNKNOWN']);
      await running.close();
      // The fix: the number attached behind the server's back, as a correcting import would.
      const store = await openEventStore(context.config);
      await store.append('account-waba-late', [{ id: 'PhoneNumberAttached:phone-fixed', type: 'PhoneNumberAttached', data: { wabaId: LATE, phoneNumberId: 'phone-fixed' }, metadata: { recordedAt: new Date().toISOString(), actor: 'fix', source: 'job', schemaVersion: 1 } }], { expected: 'any' });
      await store.close();
      const parked = await runCli(['webhooks', 'parked', '--json'], context.env);
      assert.equal(parked.code, 0, parked.stderr);
      assert.deepEqual((JSON.parse(parked.stdout) as { code: string }[]).map((p) => p.code), ['PHONE_NUMBER_UNKNOWN']);
      const run = await runCli(['webhooks', 'redrive', '--all', '--json'], context.env);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), { tried: 1, recorded: 1, parked: 0 });
      running = await startApp(context.config);
      admin = new Client(running.url, ADMIN_KEY);
      assert.equal((await admin.get<Parked>('/webhooks/parked')).body.total, 0);
    });
  });
}
