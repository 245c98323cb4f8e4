import { readFileSync } from 'node:fs';
import type { RateCardPublishedData } from '../projections/events.js';
import { MarketMap, marketMapFromCsv } from '../projections/markets/market-map.js';
import { PolicyTimeline } from '../projections/policies/timeline.js';
import { ChargeOrder } from '../projections/rating/charge-order.js';
import { parseRateCardCsv } from '../projections/rating/rate-card.csv.js';
import { RateCardBook } from '../projections/rating/rate-card-book.js';
import { Rater } from '../projections/rating/rating.projection.js';
import { foldThread } from '../projections/thread/thread.projection.js';
import { accountsOf, parsedChunks, traffic } from './traffic.js';

/**
 * npm run bench:engine [-- --events 5000000 --accounts 5000]
 * Stage 1 (thread fold) + stage 2 (rating, in charge order) over pre-parsed events on one core.
 * Generating the traffic is not timed.
 */
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const EVENTS = Number(args.get('events') ?? 5_000_000);
const ACCOUNTS = Number(args.get('accounts') ?? 5_000);

const data = (file: string) => readFileSync(new URL(`../../projections/data/${file}`, import.meta.url), 'utf8');
const markets = new MarketMap(marketMapFromCsv(data('markets.csv')));
const timeline = new PolicyTimeline();
const card = parseRateCardCsv(data('meta-usd-2025-10.csv'));
const tiered: RateCardPublishedData = {
  ...card,
  version: '2025-10-01+bench-tiers',
  tiers: ['India', 'Brazil', 'Indonesia'].flatMap((market) =>
    ['utility', 'authentication'].flatMap((category) => [
      { market, category, from: 1, to: 1000, price: card.rates.find((r) => r.market === market && r.category === category)!.price },
      { market, category, from: 1001, price: '0.0010' },
    ]),
  ),
};
const accounts = accountsOf(ACCOUNTS, 7);
const rater = new Rater({ accounts: new Map(accounts.map((a) => [a.wabaId, a])), book: new RateCardBook([tiered]), timeline, provenance: false });
const order = new ChargeOrder((unit, at) => rater.add(unit, at));

let events = 0;
let threads = 0;
let units = 0;
let busy = 0;
let peakHeld = 0;
const gc = (globalThis as { gc?: () => void }).gc;
const live: string[] = [];
let nextSample = 1_000_000;
const started = performance.now();
// Pre-parsed events arrive in chunks of threads, as the runner hands them over: parsed from their
// stored JSON. Generating and parsing a chunk is not timed, folding and rating it is.
const CHUNK = Number(args.get('chunk') ?? 4_096);
for (const chunk of parsedChunks(traffic({ events: EVENTS, start: Date.parse('2025-10-01T00:00:00Z'), days: 30, seed: 42 }, accounts), CHUNK)) {
  const t = performance.now();
  for (const thread of chunk) {
    const result = foldThread(thread.events, thread.account, { markets, timeline });
    for (const unit of result.units) order.push(unit);
    order.release(thread.start);
    events += thread.events.length;
    units += result.units.length;
  }
  busy += performance.now() - t;
  threads += chunk.length;
  peakHeld = Math.max(peakHeld, order.held);
  // Live memory (after a full collection, not timed) at each million events: it must not grow with them.
  if (gc && events >= nextSample) {
    gc();
    live.push(`${Math.round(events / 1e6)}M: ${Math.round(process.memoryUsage().heapUsed / 1048576)}`);
    nextSample += 1_000_000;
  }
  process.stderr.write(`  ${events.toLocaleString('en-US')} events\r`);
}
const t = performance.now();
order.flush();
const periods = rater.periods();
let lines = 0;
for (const { wabaId, period } of periods) lines += rater.draft(wabaId, period).lines.length;
busy += performance.now() - t;
const wall = (performance.now() - started) / 1000;
const rss = process.resourceUsage().maxRSS / 1024;

console.log(`\nengine benchmark: stage 1 + stage 2 over ${events.toLocaleString('en-US')} pre-parsed events, one core`);
console.table([
  {
    events: events.toLocaleString('en-US'),
    threads: threads.toLocaleString('en-US'),
    units: units.toLocaleString('en-US'),
    'account-months': periods.length.toLocaleString('en-US'),
    'draft lines': lines.toLocaleString('en-US'),
    'engine seconds': (busy / 1000).toFixed(2),
    'events/s': Math.round(events / (busy / 1000)).toLocaleString('en-US'),
    'units held at most': peakHeld.toLocaleString('en-US'),
    'peak RSS (MiB)': Math.round(rss),
    'live heap after GC (MiB)': live.join(', '),
    'wall seconds (incl. generation)': wall.toFixed(1),
  },
]);
