import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedStore } from '../../bench/seed.js';
import { draftHash } from '../../projections/invoices/invoice-hash.js';
import type { Positioned, ThreadKey } from '../../projections/events.js';
import { rateMonth } from '../../projections/rating/rating.projection.js';
import { foldThread } from '../../projections/thread/thread.projection.js';
import { LogIndex, replayMonth } from '../../src/audit/month-replay.js';
import { comparePositions } from '../../src/event-store/position.js';
import { THREAD_TYPES, toPositioned } from '../../src/read-models/threads/thread-history.js';
import type { StoredEvent } from '../../src/event-store/event-store.port.js';
import type { Position } from '../../src/event-store/position.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.adapter.js';

describe('month replay for audits, thread by thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-month-replay-'));
  let store: SqliteEventStore;
  let middle: Position;

  before(async () => {
    store = new SqliteEventStore({ file: join(dir, 'ledger.db'), synchronous: 'NORMAL' });
    await seedStore(store, { events: 3_000, accounts: 4, days: 40 });
    const all: StoredEvent[] = [];
    for await (const event of store.readAll()) all.push(event);
    middle = all[Math.floor(all.length / 2)]!.position;
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The oracle: every thread of the log up to the cut held in memory, folded, and the month rated at once. */
  const inMemory = async (upTo: Position, wabaId: string, period: string, index: LogIndex) => {
    const state = index.stateAt(upTo);
    const threads = new Map<string, Positioned[]>();
    for await (const event of store.readAll()) {
      if (comparePositions(event.position, upTo) > 0) break;
      if (THREAD_TYPES.has(event.type)) threads.set(event.stream, [...(threads.get(event.stream) ?? []), toPositioned(event)]);
    }
    const portfolio = state.accounts.get(wabaId)!.portfolioId;
    const accounts = new Map([...state.accounts].filter(([, a]) => a.portfolioId === portfolio));
    const units = [...threads.values()].flatMap((events) => {
      const account = accounts.get((events[0]!.data as ThreadKey).wabaId);
      return account ? foldThread(events, account, state.engine).units : [];
    });
    return rateMonth({ period, accounts, units, book: state.book, timeline: state.timeline }).get(wabaId)!;
  };

  it('prices every account-month as folding every thread in memory does, at the end of the log and half-way', async () => {
    const index = await LogIndex.read(store);
    let end: Position | undefined;
    for await (const event of store.readAll()) end = event.position;
    let priced = 0;
    for (const upTo of [end!, middle]) {
      for (const wabaId of ['waba-0', 'waba-1', 'waba-2', 'waba-3']) {
        for (const period of ['2025-10', '2025-11']) {
          const expected = await inMemory(upTo, wabaId, period, index);
          const { state, account } = index.accountAt(wabaId, upTo);
          const streamed = (await replayMonth(store, index, state, account.portfolioId, period, { upTo })).get(wabaId)!;
          assert.equal(draftHash(streamed), draftHash(expected), `${wabaId} ${period}`);
          if (expected.total !== '0.00') priced += 1;
        }
      }
    }
    assert.ok(priced >= 8, `account-months with money: ${priced}`);
  });
});
