import type { Positioned, ThreadKey } from '../../../projections/events.js';
import { foldThread } from '../../../projections/thread/thread.projection.js';
import type { EngineContext } from '../../../projections/thread/thread.projection.js';
import type { AccountContext, BillableUnit } from '../../../projections/thread/thread.types.js';
import { openUntil } from '../../../projections/thread/windows.js';
import { parseInstant } from '../../../projections/time/zone-calendar.js';
import { AccountTerms } from '../../../projections/accounts/account-terms.js';
import type { BlockedMonth } from '../failures/failure-log.js';
import { takesFreeTier } from '../../../projections/rating/rating.projection.js';
import { reconcileMonths } from '../../../projections/reconciliation/reconcile.js';
import type { Param } from '../sql.js';
import type { UnitKey } from './unit-rows.js';
import { UNIT_COLUMNS, unitRow } from './unit-rows.js';

export const THREAD_COLUMNS = ['stream', 'partition', 'waba_id', 'phone_number_id', 'customer', 'first_at', 'last_at', 'open_until', 'windows', 'units', 'position'] as const;

export const THREAD_UPSERT = `ON CONFLICT (stream) DO UPDATE SET partition = excluded.partition, waba_id = excluded.waba_id, phone_number_id = excluded.phone_number_id,
  customer = excluded.customer, first_at = excluded.first_at, last_at = excluded.last_at, open_until = excluded.open_until, windows = excluded.windows,
  units = excluded.units, position = excluded.position`;

/** Units are replaced whole when a re-fold changes them; a row already there (data written by hand, an old version) is overwritten, never a stuck batch. */
export const UNIT_UPSERT = `ON CONFLICT (waba_id, period, opened_at, unit_id, stream) DO UPDATE SET ${UNIT_COLUMNS.slice(4)
  .filter((c) => c !== 'stream')
  .map((c) => `${c} = excluded.${c}`)
  .join(', ')}`;

export interface FoldedUnit {
  readonly row: Param[];
  readonly period: string;
  readonly at: number;
  readonly unit: BillableUnit;
}

export interface FoldedThread {
  readonly thread: Param[];
  readonly units: readonly FoldedUnit[];
  /** Rows of the findings table (FINDING_COLUMNS) and of the compared table (COMPARED_COLUMNS). */
  readonly findings: Param[][];
  readonly compared: Param[][];
}

export const FINDING_COLUMNS = ['waba_id', 'period', 'message_id', 'kind', 'stream', 'depends', 'ledger', 'meta', 'phone_number_id', 'customer', 'unit'] as const;
export const COMPARED_COLUMNS = ['stream', 'period', 'waba_id', 'messages'] as const;

/** What rating needs of a unit to tell whether a free allowance took it (ratedCharge). */
const ratedFields = (unit: BillableUnit) =>
  JSON.stringify({ id: unit.id, wabaId: unit.wabaId, phoneNumberId: unit.phoneNumberId, category: unit.category, era: unit.era, openedAt: unit.openedAt, charge: unit.charge });

/** What makes a thread unfoldable before the engine runs: a code the failure list shows. */
export class ThreadFault extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Stage 1 of one thread as the rows the read models keep: the thread's row and its units'. Throws
 * what the engine throws, and ThreadFault when the thread's events name other keys than its own or
 * a unit could not be stored as a row.
 */
export function foldRows(stream: string, history: readonly Positioned[], account: AccountContext, engine: EngineContext, partition: number, position: string): FoldedThread {
  const key = history[0]!.data as ThreadKey;
  for (const event of history) {
    const data = event.data as Partial<ThreadKey & { messageId: string }> | null;
    if (data?.wabaId !== account.wabaId || data.phoneNumberId !== key.phoneNumberId || data.customer !== key.customer) {
      throw new ThreadFault('THREAD_KEY_MISMATCH', `${event.type} ${String(data?.messageId)} names account ${String(data?.wabaId)}, number ${String(data?.phoneNumberId)}, customer ${String(data?.customer)}; its thread ${stream} is ${account.wabaId}'s`);
    }
  }
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const event of history) {
    const at = parseInstant(event.data.timestamp);
    if (at < first) first = at;
    if (at > last) last = at;
  }
  const result = foldThread(history, account, engine);
  const calendar = AccountTerms.of(account).calendar;
  const keys: UnitKey[] = [];
  const units: FoldedUnit[] = [];
  for (const unit of result.units) {
    const at = parseInstant(unit.openedAt, 'openedAt');
    const period = calendar.month(at);
    const row = unitRow(stream, period, at, unit);
    checkUnitRow(row, unit.id);
    keys.push([unit.wabaId, period, at, unit.id]);
    units.push({ row, period, at, unit });
  }
  const thread: Param[] = [stream, partition, key.wabaId, key.phoneNumberId, key.customer, first, last, openUntil(result.windows), JSON.stringify(result.windows), JSON.stringify(keys), position];
  const mayBeFree = (unit: BillableUnit) => unit.charge === 'regular' && takesFreeTier(engine.timeline.policy(unit.era), unit, parseInstant(unit.openedAt), calendar);
  const findings: Param[][] = [];
  const compared: Param[][] = [];
  for (const month of reconcileMonths(history, result.units, (at) => calendar.month(at), mayBeFree)) {
    compared.push([stream, month.period, key.wabaId, month.messages]);
    for (const f of month.findings) {
      findings.push([key.wabaId, month.period, f.messageId, f.kind, stream, f.depends ?? '', f.ledger, f.meta, key.phoneNumberId, key.customer, f.unit && ratedFields(f.unit)]);
    }
  }
  return { thread, units, findings, compared };
}

/** Columns the units table requires, typed as it stores them: a unit that would break the insert breaks its thread only. */
function checkUnitRow(row: readonly Param[], unitId: string): void {
  UNIT_COLUMNS.forEach((column, i) => {
    const value = row[i];
    const nullable = column === 'country' || column === 'expires_at' || column === 'message_ids';
    if (value === null && nullable) return;
    const numeric = column === 'opened_at' || column === 'priced_at' || column === 'expires_at';
    const ok = numeric ? typeof value === 'number' && Number.isSafeInteger(value) : typeof value === 'string' && value.length > 0;
    if (!ok) throw new ThreadFault('UNIT_INVALID', `unit ${unitId}: ${column} is ${JSON.stringify(value) ?? String(value)}, not a stored ${numeric ? 'instant' : 'value'}`);
  });
}

/**
 * The account-months a thread that failed may move: the months of its events in the account's
 * zone; every month of the WABA when not even that can be told.
 */
export function touchedMonths(account: AccountContext, history: readonly Positioned[]): BlockedMonth[] {
  const { wabaId } = account;
  const periods = new Set<string>();
  try {
    const calendar = AccountTerms.of(account).calendar;
    for (const event of history) {
      const at = Date.parse((event.data as { timestamp?: string } | null)?.timestamp ?? '');
      if (!Number.isNaN(at)) periods.add(calendar.month(at));
    }
  } catch {
    return [{ wabaId, period: '*' }];
  }
  return periods.size ? [...periods].sort().map((period) => ({ wabaId, period })) : [{ wabaId, period: '*' }];
}
