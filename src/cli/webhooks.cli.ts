import type { Clock } from '../common/clock.js';
import { InboxState } from '../inbox/inbox-state.js';
import { InboxProcessor } from '../inbox/inbox.processor.js';
import { print, withLedger } from './ledger-job.js';

/** The items the inbox could not record yet, with why: what `GET /webhooks/parked` answers. */
export async function listParked(clock: Clock, options: { readonly json?: boolean }): Promise<void> {
  await withLedger(clock, async (ledger) => {
    await ledger.get(InboxProcessor).drain();
    const parked = await ledger.get(InboxState).unresolved();
    if (options.json) return print(parked.map(({ item, ...rest }) => ({ ...rest, command: item?.command ?? null })));
    if (!parked.length) process.stdout.write('no webhook item is parked\n');
    for (const p of parked) process.stdout.write(`${p.id}\t${p.code}\t${p.wabaId ?? '-'}\t${p.parkedAt}\t${p.reason}\n`);
  });
}

/** Tries parked items again, every one or those named, after a fix; exit 1 while any stays parked. */
export async function redrive(clock: Clock, options: { readonly all?: boolean; readonly id?: readonly string[]; readonly json?: boolean }): Promise<void> {
  await withLedger(clock, async (ledger) => {
    const result = await ledger.get(InboxProcessor).redrive(options.all ? 'all' : (options.id ?? []));
    if (options.json) print(result);
    else process.stdout.write(`${result.tried} tried, ${result.recorded} recorded, ${result.parked} still parked\n`);
    if (result.parked) process.exitCode = 1;
  });
}
