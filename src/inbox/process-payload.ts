import type { Directory } from '../accounts/account-directory.js';
import { AccountTerms } from '../../projections/accounts/account-terms.js';
import type { AccountHistory } from '../accounts/account-directory.js';
import { PendingDirectory, planCanonical } from '../batch/command-catalog.js';
import { appended, explainConflict, formerAppend } from '../common/append.js';
import type { Appended, PlannedWrite } from '../common/append.js';
import type { CommandContext } from '../common/command-context.js';
import { LedgerError } from '../common/ledger-error.js';
import { EventIdConflict, storeTrouble } from '../event-store/event-store.errors.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { comparePositions, parsePosition } from '../event-store/position.js';
import { readPayload } from '../webhooks/meta-payload.js';

/** An item of Meta's payload the ledger could not record now: kept, with why, until it can be. */
export interface ParkedItem {
  readonly path: string;
  readonly code: string;
  readonly reason: string;
  /** The account or number it waits for, when that is why. */
  readonly wabaId: string | null;
  readonly phoneNumberId: string | null;
  /** The canonical command, to record it later; null when the payload itself could not be read. */
  readonly command: Record<string, unknown> | null;
  readonly raw: unknown;
  readonly dateAt: string | null;
}

export interface PayloadOutcome {
  readonly items: number;
  readonly appended: number;
  readonly duplicates: number;
  /** The last position written or found: wait for it to read what this payload changed. */
  readonly position: string | null;
  readonly ignored: readonly { readonly path: string; readonly reason: string }[];
  readonly parked: readonly ParkedItem[];
}

/** What a payload's processing needs of the account directory: the plans' checks, and an account's history to date a settings change. */
export interface InboxDirectory extends Directory {
  history(wabaId: string, scope: CommandContext['scope']): Promise<AccountHistory>;
}

/** A payload read and planned, not yet appended. */
export interface PayloadPlan {
  readonly items: number;
  readonly writes: readonly { readonly path: string; readonly write: PlannedWrite; readonly item: Omit<ParkedItem, 'path' | 'code' | 'reason' | 'wabaId' | 'phoneNumberId'> }[];
  readonly ignored: readonly { readonly path: string; readonly reason: string }[];
  /** Items refused while planning (unknown account or number, invalid item). */
  readonly parked: readonly ParkedItem[];
}

/**
 * Meta's payload -> planned commands: an item that cannot be recorded now (an account or number
 * not registered yet, an invalid item) is parked with its reason and never stops the others. A
 * payload that cannot be read at all is parked whole. Store trouble is thrown.
 */
export async function planPayload(body: unknown, context: Omit<CommandContext, 'raw'>, directory: InboxDirectory, pending: PendingDirectory = new PendingDirectory(directory)): Promise<PayloadPlan> {
  let items;
  try {
    items = readPayload(body);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    return { items: 0, writes: [], ignored: [], parked: [parkedFor('', error, null, null)] };
  }
  const writes: { path: string; write: PlannedWrite; item: PayloadPlan['writes'][number]['item'] }[] = [];
  const ignored: { path: string; reason: string }[] = [];
  const parked: ParkedItem[] = [];
  for (const item of items) {
    if ('ignored' in item) {
      ignored.push({ path: item.path, reason: item.ignored });
      continue;
    }
    const dateAt = item.dateAt ?? null;
    try {
      const write = await plan(item.command, item.raw, dateAt, item.path, context, pending, directory);
      pending.note(write);
      writes.push({ path: item.path, write, item: { command: item.command, raw: item.raw, dateAt } });
    } catch (error) {
      if (storeTrouble(error) || !(error instanceof LedgerError)) throw error;
      parked.push(parkedFor(item.path, error, item.command, item.raw, dateAt));
    }
  }
  return { items: items.length, writes, ignored, parked };
}

/**
 * The planned payloads' writes in one append, as the store commits many (all or none); when an
 * id is taken by other content, each write on its own, and the conflicting ones parked.
 */
export async function appendPlans(plans: readonly PayloadPlan[], store: EventStore): Promise<PayloadOutcome[]> {
  const results = new Map<PlannedWrite, Appended | ParkedItem>();
  for (const plan of plans) {
    for (const { path, write, item } of plan.writes) {
      const settled = await settleFormer(write, path, item, store);
      if (settled) results.set(write, settled);
    }
  }
  const all = plans.flatMap((p) => p.writes.map((w) => w.write)).filter((write) => !results.has(write));
  try {
    const appendedAll = all.length ? await store.appendMany(all) : [];
    appendedAll.forEach((result, i) => results.set(all[i]!, appended(all[i]!, result)));
  } catch (error) {
    if (!(error instanceof EventIdConflict)) throw error;
    for (const plan of plans) {
      for (const { path, write, item } of plan.writes) {
        if (results.has(write)) continue;
        try {
          results.set(write, appended(write, await store.append(write.stream, write.events, { expected: write.expected })));
        } catch (itemError) {
          const explained = explainConflict(write, itemError, `${path}.`);
          if (!(explained instanceof LedgerError)) throw itemError;
          results.set(write, parkedFor(path, explained, item.command, item.raw, item.dateAt));
        }
      }
    }
  }
  return plans.map((plan) => {
    const recorded: Appended[] = [];
    const parked = [...plan.parked];
    for (const { write } of plan.writes) {
      const result = results.get(write)!;
      if ('code' in result) parked.push(result);
      else recorded.push(result);
    }
    const fresh = recorded.filter((r) => !r.duplicate).length;
    return { items: plan.items, appended: fresh, duplicates: recorded.length - fresh, position: latest(recorded), ignored: plan.ignored, parked };
  });
}

/** A write the log holds under its former ids: recorded (a duplicate), or parked when they hold other content. */
async function settleFormer(write: PlannedWrite, path: string, item: PayloadPlan['writes'][number]['item'], store: EventStore): Promise<Appended | ParkedItem | undefined> {
  try {
    const former = await formerAppend(store, write);
    return former && appended(write, former);
  } catch (error) {
    const explained = explainConflict(write, error, `${path}.`);
    if (!(explained instanceof LedgerError)) throw error;
    return parkedFor(path, explained, item.command, item.raw, item.dateAt);
  }
}

/** One payload, planned and appended: what `ledger replay` and a redrive of a whole payload do. */
export async function processPayload(body: unknown, context: Omit<CommandContext, 'raw'>, directory: InboxDirectory, store: EventStore): Promise<PayloadOutcome> {
  const [outcome] = await appendPlans([await planPayload(body, context, directory)], store);
  return outcome!;
}

/** One parked item again: appended, or parked with the reason it still cannot be. */
export async function recordItem(
  command: Record<string, unknown>,
  raw: unknown,
  dateAt: string | null,
  path: string,
  context: Omit<CommandContext, 'raw'>,
  directory: InboxDirectory,
  store: EventStore,
): Promise<{ appended: Appended } | { parked: ParkedItem }> {
  let write: PlannedWrite | undefined;
  try {
    write = await plan(command, raw, dateAt, path, context, directory, directory);
    return { appended: appended(write, (await formerAppend(store, write)) ?? (await store.append(write.stream, write.events, { expected: write.expected }))) };
  } catch (error) {
    if (storeTrouble(error) || !(error instanceof LedgerError || error instanceof EventIdConflict)) throw error;
    const refused = write && error instanceof EventIdConflict ? (explainConflict(write, error, `${path}.`) as LedgerError) : (error as LedgerError);
    return { parked: parkedFor(path, refused, command, raw, dateAt) };
  }
}

async function plan(command: Record<string, unknown>, raw: unknown, dateAt: string | null, path: string, context: Omit<CommandContext, 'raw'>, pending: Directory, directory: InboxDirectory): Promise<PlannedWrite> {
  const dated = dateAt ? { ...command, effectiveFrom: await localDate(directory, command.wabaId as string, dateAt, context) } : command;
  return planCanonical(dated, { ...context, raw }, pending, `${path}.`);
}

function parkedFor(path: string, error: LedgerError, command: Record<string, unknown> | null, raw: unknown, dateAt: string | null = null): ParkedItem {
  const waits = error.code === 'ACCOUNT_UNKNOWN' || error.code === 'PHONE_NUMBER_UNKNOWN';
  const wabaId = waits && typeof command?.wabaId === 'string' ? command.wabaId : null;
  const phoneNumberId = error.code === 'PHONE_NUMBER_UNKNOWN' && typeof command?.phoneNumberId === 'string' ? command.phoneNumberId : null;
  return { path, code: error.code, reason: error.message, wabaId, phoneNumberId, command, raw: raw ?? null, dateAt };
}

/** The WABA's local date of an instant, in the zone its settings had then. */
async function localDate(directory: InboxDirectory, wabaId: string, at: string, context: Omit<CommandContext, 'raw'>): Promise<string> {
  const { registered, settings } = await directory.history(wabaId, context.scope);
  return AccountTerms.of({ ...registered, changes: settings }).localDate(Date.parse(at));
}

function latest(results: readonly Appended[]): string | null {
  if (!results.length) return null;
  return results.map((r) => r.position).reduce((a, b) => (comparePositions(parsePosition(a), parsePosition(b)) >= 0 ? a : b));
}
