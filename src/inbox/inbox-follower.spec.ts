import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { AccountDirectory } from '../accounts/account-directory.js';
import { SYSTEM } from '../auth/scope.js';
import { ledgerEvent } from '../common/command-context.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.adapter.js';
import { Leases, workerName } from '../read-models/processor/leases.js';
import { SqliteSql } from '../read-models/sql.js';
import { InboxState } from './inbox-state.js';
import { followInbox, inboxLease } from './inbox-follower.js';
import { INBOX_STREAM, InboxProcessor } from './inbox.processor.js';

describe('the inbox is followed by the holder of its lease only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-inbox-follower-'));
  const file = join(dir, 'ledger.db');
  const logger = pino({ level: 'silent' });
  let store: SqliteEventStore;
  let sql: SqliteSql;
  let state: InboxState;
  let processor: InboxProcessor;

  /** Follows for a while, or until the inbox's first payload is processed. */
  const follow = async (lease: Leases, ms: number): Promise<void> => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), ms);
    const watch = setInterval(() => void state.processed().then((p) => p >= 0 && abort.abort()), 20);
    await followInbox(processor, lease, abort.signal, logger, 30_000);
    clearTimeout(timer);
    clearInterval(watch);
  };

  before(async () => {
    store = new SqliteEventStore({ file });
    sql = new SqliteSql(file);
    state = new InboxState(sql, '');
    await state.init();
    processor = new InboxProcessor(store, new AccountDirectory(store), state, () => new Date('2026-12-02T10:00:00Z'), logger);
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
    const context = { scope: SYSTEM, source: 'webhook', correlationId: 'webhook:one', recordedAt: '2026-12-02T10:00:00.000Z' } as const;
    await store.append(INBOX_STREAM, [ledgerEvent('WebhookReceived', 'one', { sha256: 'one', body }, context)], { expected: 'any' });
  });
  after(async () => {
    await sql.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the inbox alone while another process holds the lease, and follows it once that one leaves', async () => {
    const other = new Leases(sql, '', 'inbox', 1, workerName(), 30_000, 'inbox');
    await other.create();
    assert.equal((await other.keep(new Map(), 'free')).held.size, 1);
    const mine = await inboxLease(sql, '', 30_000);
    await follow(mine, 300);
    assert.equal(await state.processed(), -1, 'nothing processed without the lease');
    await other.leave();
    await follow(mine, 5_000);
    assert.equal(await state.processed(), 0);
    assert.deepEqual((await mine.holders()).map((h) => h.owner), [null], 'the lease is given back when following stops');
  });
});
