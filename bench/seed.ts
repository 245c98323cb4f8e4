import { readFileSync } from 'node:fs';
import { accountStream, threadStream } from '../projections/events.js';
import { accountKey } from '../src/common/command-context.js';
import { parseRateCardCsv } from '../projections/rating/rate-card.csv.js';
import type { AppendWrite, EventInput, EventStore } from '../src/event-store/event-store.port.js';
import type { RateCardPublishedData } from '../projections/events.js';
import type { AccountContext } from '../projections/thread/thread.types.js';
import { accountsOf, traffic } from './traffic.js';

export const shippedCard = (file: string): RateCardPublishedData => parseRateCardCsv(readFileSync(new URL(`../../projections/data/${file}`, import.meta.url), 'utf8'));

export interface SeedOptions {
  readonly events: number;
  readonly accounts: number;
  readonly seed?: number;
  /** First instant of the traffic. */
  readonly start?: string;
  readonly days?: number;
  /**
   * `thread` (default) appends each thread's history at once, as an import would; `time` appends
   * every event on its own in timestamp order, as webhooks arrive live. `time` holds the traffic in memory.
   */
  readonly order?: 'thread' | 'time';
}

/**
 * Fills a store with generated traffic the way the commands would have written it: accounts,
 * their numbers and the shipped rate cards first, then every thread's events with ids from
 * their natural keys. Writes in chunks of many streams per transaction.
 */
export async function seedStore(store: EventStore, options: SeedOptions): Promise<number> {
  const seed = options.seed ?? 7;
  const accounts = accountsOf(options.accounts, seed);
  const event = (type: string, key: string, data: object): EventInput => ({
    id: `${type}:${key}`,
    type,
    data,
    metadata: { recordedAt: '2025-10-01T00:00:00.000Z', actor: 'seed', source: 'import', schemaVersion: 1 },
  });
  const writes: AppendWrite[] = [
    { stream: 'ratecard-meta-USD', events: [shippedCard('meta-usd-2025-10.csv'), shippedCard('meta-usd-2026-01.csv')].map((c) => event('RateCardPublished', `${c.rateCardId}:${c.version}`, c)), expected: 'any' },
  ];
  for (const account of accounts) {
    const { changes: _changes, ...registered } = account;
    writes.push({
      stream: accountStream(account.wabaId),
      events: [event('AccountRegistered', account.wabaId, registered), ...[0, 1, 2].map((p) => event('PhoneNumberAttached', accountKey(account.wabaId, `${account.wabaId}-p${p}`), { wabaId: account.wabaId, phoneNumberId: `${account.wabaId}-p${p}` }))],
      expected: 'any',
    });
  }
  let written = writes.reduce((n, w) => n + w.events.length, 0);
  await store.appendMany(writes);
  let pending: AppendWrite[] = [];
  let pendingEvents = 0;
  const start = Date.parse(options.start ?? '2025-10-01T00:00:00Z');
  for (const write of threadWrites(options, accounts, start, seed, event)) {
    pending.push(write);
    pendingEvents += write.events.length;
    if (pendingEvents >= 5_000) {
      await store.appendMany(pending);
      written += pendingEvents;
      pending = [];
      pendingEvents = 0;
    }
  }
  if (pending.length) await store.appendMany(pending);
  return written + pendingEvents;
}

/** Each thread's events, once each, as one write per thread; or per event in timestamp order. */
function* threadWrites(options: SeedOptions, accounts: AccountContext[], start: number, seed: number, event: (type: string, key: string, data: object) => EventInput): Generator<AppendWrite> {
  const timed: { at: number; write: AppendWrite }[] = [];
  for (const thread of traffic({ events: options.events, start, days: options.days ?? 28, seed }, accounts)) {
    const seen = new Set<string>();
    const events: EventInput[] = [];
    const { wabaId, phoneNumberId, customer } = thread.events[0]!.data;
    const stream = threadStream(wabaId, phoneNumberId, customer);
    for (const e of thread.events) {
      const id = `${e.type}:${e.data.messageId}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const input = event(e.type, accountKey(wabaId, e.data.messageId), e.data);
      if (options.order === 'time') timed.push({ at: Date.parse(e.data.timestamp), write: { stream, events: [input], expected: 'any' } });
      else events.push(input);
    }
    if (options.order !== 'time') yield { stream, events, expected: 'any' };
  }
  timed.sort((a, b) => a.at - b.at);
  for (const { write } of timed) yield write;
}
