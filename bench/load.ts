import { existsSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { sign } from '../test/support/app.js';

export const BENCH_PHONES = Array.from({ length: 10 }, (_, i) => `bench-p${i}`);
const WARM_UP_SECONDS = 3;

interface SignedBody {
  readonly body: string;
  readonly headers: Record<string, string>;
}

export const rate = (result: autocannon.Result): number => result['2xx'] / result.duration;

/**
 * Meta's payload for one delivered status each, signed, message ids from `first` on. Made before
 * the clock starts: the load generator shares the two cores, and an HMAC per request in its
 * event loop would measure the generator, not the server.
 */
function signedStatuses(count: number, secret: string, first = 0): SignedBody[] {
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: 'bench-waba', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: BENCH_PHONES[n % BENCH_PHONES.length] }, statuses: [{ id: `wamid.w${n}`, status: 'delivered', timestamp: String(1759750000 + (n % 86_400)), recipient_id: `55119${String(n % 100_000).padStart(8, '0')}`, pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' } }] } }] }],
    });
    return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body, secret) } };
  });
}

export interface Measured {
  readonly result: autocannon.Result;
  /** The load generator's CPU (this process), in cores. */
  readonly generator: number;
  /** The server's CPU per event over all its threads, in µs, where `againstServer` could read it. */
  readonly server?: number;
  /** ...and on the thread that serves requests alone (the process's main thread). */
  readonly serving?: number;
}

/**
 * One signed status per request, to 64 connections, for `seconds` after a warm-up on statuses of
 * its own (so the measured ones are new to the server): the figures are the server's steady
 * state, not its JIT's first seconds. `warmed` runs between the two. Statuses repeat (as no-ops)
 * after `perSecond` a second.
 */
export async function webhookLoad(url: string, seconds: number, secret: string, options: { perSecond: number; warmed?: () => void }): Promise<Measured> {
  await cannon(url, WARM_UP_SECONDS, signedStatuses(WARM_UP_SECONDS * options.perSecond, secret, 10_000_000));
  options.warmed?.();
  return cannon(url, seconds, signedStatuses(seconds * options.perSecond, secret));
}

function cannon(url: string, seconds: number, bodies: readonly SignedBody[]): Promise<Measured> {
  let n = 0;
  return load({
    url: `${url}/webhooks/whatsapp`,
    connections: 64,
    duration: seconds,
    requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, ...bodies[n++ % bodies.length]! }) }],
  });
}

/** An autocannon run, with the CPU it took itself. */
export async function load(options: autocannon.Options): Promise<Measured> {
  const own = process.cpuUsage();
  const result = await autocannon(options);
  const cpu = process.cpuUsage(own);
  return { result, generator: (cpu.user + cpu.system) / 1e6 / result.duration };
}

/** A load run against a server process, with that process's CPU per event from `warmed` on. */
export async function againstServer(pid: number, run: (warmed: () => void) => Promise<Measured>, eventsPerRequest = 1): Promise<Measured> {
  let before: number | undefined;
  let servingBefore: number | undefined;
  const measured = await run(() => {
    before = cpuOf(pid);
    servingBefore = cpuOf(pid, pid);
  });
  const after = cpuOf(pid);
  const servingAfter = cpuOf(pid, pid);
  if (before === undefined || after === undefined) return measured;
  const per = (seconds: number) => (seconds * 1e6) / (measured.result['2xx'] * eventsPerRequest);
  return { ...measured, server: per(after - before), serving: servingAfter === undefined ? undefined : per(servingAfter - servingBefore!) };
}

export function summary({ result, generator, server, serving }: Measured, eventsPerRequest = 1): string {
  return (
    `${Math.round(rate(result)).toLocaleString('en-US')} requests/s` +
    `${eventsPerRequest > 1 ? ` (${Math.round(rate(result) * eventsPerRequest).toLocaleString('en-US')} events/s)` : ''}` +
    `, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}` +
    `, load generator ${generator.toFixed(2)} of a core` +
    `${server === undefined ? '' : `, server ${server.toFixed(0)} µs of CPU per event`}` +
    `${serving === undefined ? '' : ` (${serving.toFixed(0)} on the thread serving requests)`}`
  );
}

/** User and system CPU seconds of a process so far, all its threads or one of them (Linux), or undefined. */
function cpuOf(pid: number, thread?: number): number | undefined {
  const stat = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  if (!existsSync(stat)) return undefined;
  const fields = readFileSync(stat, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
