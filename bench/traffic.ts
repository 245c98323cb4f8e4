import type { AccountContext } from '../projections/thread/thread.types.js';
import type { Positioned, TemplateCategory } from '../projections/events.js';

/** Deterministic PRNG (mulberry32): the same seed gives the same traffic on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ZONES = ['UTC', 'America/Sao_Paulo', 'Asia/Kolkata', 'Asia/Jakarta', 'Europe/London', 'America/New_York', 'Africa/Lagos', 'America/Mexico_City'];
/** Calling-code prefixes of customers, weighted towards the big WhatsApp markets. */
const PREFIXES = ['5511', '5521', '9198', '9187', '6281', '5215', '1202', '1415', '4477', '2348', '2547', '2771', '9665', '9715', '5411', '5731', '3467', '4915', '3933', '6012', '6391', '1809', '7701', '8801'];
const CATEGORIES: TemplateCategory[] = ['marketing', 'marketing', 'utility', 'utility', 'authentication'];

export interface TrafficOptions {
  readonly events: number;
  /** First instant of the simulated traffic. */
  readonly start: number;
  readonly days: number;
  readonly seed: number;
}

export interface GeneratedThread {
  readonly start: number;
  readonly account: AccountContext;
  readonly events: Positioned[];
}

export function accountsOf(count: number, seed: number): AccountContext[] {
  const rnd = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const wabaId = `waba-${i}`;
    const registered = { wabaId, portfolioId: `portfolio-${Math.floor(i / 3)}`, timezone: ZONES[Math.floor(rnd() * ZONES.length)]!, currency: 'USD', rateCardId: 'meta-USD', primaryLocation: rnd() < 0.5 ? 'BR' : 'IN' };
    return rnd() < 0.3 ? { ...registered, changes: [{ wabaId, effectiveFrom: '2024-01-01', authInternational: { startTime: '2024-01-01T00:00:00.000Z' } }] } : registered;
  });
}

/**
 * Realistic traffic, one thread at a time in order of each thread's first event: bursts of
 * exchanges, every category, replies to ads, failures (131049), and statuses that repeat,
 * come late, skip `delivered` or arrive before the send is recorded. Threads are yielded as
 * they are made, so memory holds one thread, never the traffic.
 */
export function* traffic(options: TrafficOptions, accounts: readonly AccountContext[]): Generator<GeneratedThread> {
  const rnd = random(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const span = options.days * 86_400_000;
  let made = 0;
  let thread = 0;
  const expected = options.events / 14;
  while (made < options.events) {
    const account = pick(accounts);
    const start = options.start + Math.floor((thread / expected) * span);
    const customer = `${pick(PREFIXES)}${String(Math.floor(rnd() * 1e8)).padStart(8, '0')}`;
    const key = { wabaId: account.wabaId, phoneNumberId: `${account.wabaId}-p${thread % 3}`, customer };
    const events: Positioned[] = [];
    let t = start;
    let n = 0;
    const iso = (ms: number) => new Date(ms).toISOString();
    const bursts = 1 + Math.floor(rnd() * 3);
    for (let b = 0; b < bursts; b++) {
      if (rnd() < 0.6) {
        events.push({ type: 'MessageReceived', data: { ...key, messageId: `wamid.${thread}.${n++}`, timestamp: iso(t), kind: rnd() < 0.05 ? 'call' : 'text', ...(rnd() < 0.1 ? { referral: { sourceType: 'ad', sourceId: 'ad-7' } } : {}) } });
        t += Math.floor(rnd() * 600_000);
      }
      const replies = 1 + Math.floor(rnd() * 4);
      for (let r = 0; r < replies; r++) {
        const template = rnd() < 0.55 ? pick(CATEGORIES) : undefined;
        const messageId = `wamid.${thread}.${n++}`;
        const sent = t;
        const sentEvent: Positioned = { type: 'MessageSent', data: { ...key, messageId, timestamp: iso(sent), kind: template ? 'template' : 'text', ...(template ? { template: { name: `${template}_v2`, language: 'en', category: template } } : {}) } };
        const statuses: Positioned[] = [];
        const fate = rnd();
        if (fate < 0.03) {
          statuses.push({ type: 'MessageFailed', data: { ...key, messageId, timestamp: iso(sent + 2000), errors: [{ code: 131049, title: 'healthy ecosystem' }] } });
        } else {
          const delivered = sent + 1000 + Math.floor(rnd() * 5000);
          if (rnd() > 0.15) statuses.push({ type: 'MessageDelivered', data: { ...key, messageId, timestamp: iso(delivered), stated: { pricing: { billable: true, pricing_model: 'PMP', category: template ?? 'service', type: 'regular' } } } });
          if (rnd() < 0.7) statuses.push({ type: 'MessageRead', data: { ...key, messageId, timestamp: iso(delivered + 30_000) } });
          if (statuses.length === 0) statuses.push({ type: 'MessageRead', data: { ...key, messageId, timestamp: iso(delivered) } });
          if (rnd() < 0.1) statuses.push(statuses[0]!);
        }
        // Late and out-of-order arrival: statuses sometimes land before the send is recorded.
        if (rnd() < 0.1) events.push(...statuses, sentEvent);
        else events.push(sentEvent, ...statuses);
        t += Math.floor(rnd() * 300_000);
      }
      t += Math.floor(rnd() * 40 * 3_600_000);
    }
    made += events.length;
    thread += 1;
    yield { start, account, events };
  }
}

/**
 * Traffic in chunks of threads, each thread's events parsed from their JSON as the runner gets
 * them from the store: the engine benchmarks time what they do with a chunk, not making it.
 */
export function* parsedChunks(threads: Iterable<GeneratedThread>, size: number): Generator<GeneratedThread[]> {
  let chunk: GeneratedThread[] = [];
  for (const thread of threads) {
    chunk.push({ ...thread, events: JSON.parse(JSON.stringify(thread.events)) as Positioned[] });
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
