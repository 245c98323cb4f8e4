import type { BillableUnit } from '../../../projections/thread/thread.types.js';
import { isoOf } from '../../../projections/time/zone-calendar.js';
import type { Charged } from '../drafts/month-raters.js';
import { byCharge } from '../drafts/month-raters.js';
import type { Param, Sql } from '../sql.js';

/**
 * A unit is stored as columns only: everything a unit holds is either a column or follows from
 * one (its kind and first message from its id, its instants from milliseconds). A rebuild writes
 * a row per unit, so each byte saved here is saved hundreds of thousands of times.
 */
export const UNIT_COLUMNS = [
  'waba_id',
  'period',
  'opened_at',
  'unit_id',
  'priced_at',
  'phone_number_id',
  'category',
  'market',
  'charge',
  'era',
  'stream',
  'customer',
  'country',
  'expires_at',
  'message_ids',
] as const;

/** The columns a whole unit is read back from, in UNIT_COLUMNS order. */
export const UNIT_SELECT = UNIT_COLUMNS.join(', ');

/** `message_ids` stays NULL when the unit covers its own message alone, as every per-message unit does. */
export function unitRow(stream: string, period: string, openedAt: number, unit: BillableUnit): Param[] {
  const pricedAt = unit.pricedAt === unit.openedAt ? openedAt : Date.parse(unit.pricedAt);
  const alone = unit.messageIds.length === 1 && unit.messageIds[0] === messageOf(unit.id);
  return [
    unit.wabaId,
    period,
    openedAt,
    unit.id,
    pricedAt,
    unit.phoneNumberId,
    unit.category,
    unit.market,
    unit.charge,
    unit.era,
    stream,
    unit.customer,
    unit.country ?? null,
    unit.expiresAt === undefined ? null : Date.parse(unit.expiresAt),
    alone ? null : JSON.stringify(unit.messageIds),
  ];
}

/** A row selected with UNIT_SELECT, as the unit the fold made. */
export function unitOf(row: readonly unknown[]): BillableUnit {
  const id = row[3] as string;
  const openedAt = isoOf(Number(row[2]));
  const pricedAt = Number(row[4]) === Number(row[2]) ? openedAt : isoOf(Number(row[4]));
  const kind = id.slice(0, id.indexOf(':')) as BillableUnit['kind'];
  const country = (row[12] as string | null) ?? undefined;
  const messageIds = row[14] === null ? [messageOf(id)] : (JSON.parse(row[14] as string) as string[]);
  const common = {
    id,
    wabaId: row[0] as string,
    phoneNumberId: row[5] as string,
    customer: row[11] as string,
    kind,
    category: row[6] as BillableUnit['category'],
    market: row[7] as string,
    country,
    openedAt,
  };
  const rest = { charge: row[8] as BillableUnit['charge'], era: row[9] as BillableUnit['era'], pricedAt, messageIds };
  return row[13] === null ? { ...common, ...rest } : { ...common, expiresAt: isoOf(Number(row[13])), ...rest };
}

/** What stage 2 reads of a unit: the leading columns of the table's key, scanned in charge order. */
export const UNIT_RATING = 'opened_at, unit_id, priced_at, phone_number_id, category, market, charge, era';

/** How many leading UNIT_COLUMNS price a unit: WABA and month, then UNIT_RATING's. A change elsewhere leaves drafts alone. */
export const RATED_COLUMNS = 2 + UNIT_RATING.split(', ').length;

/** A row selected with UNIT_RATING, as much of a unit as rating needs. */
export function ratingUnit(wabaId: string, row: readonly unknown[]): { unit: BillableUnit; at: number } {
  const at = Number(row[0]);
  const openedAt = isoOf(at);
  const pricedAt = Number(row[2]) === at ? openedAt : isoOf(Number(row[2]));
  const unit: BillableUnit = {
    id: row[1] as string,
    wabaId,
    phoneNumberId: row[3] as string,
    customer: '',
    kind: 'message',
    category: row[4] as BillableUnit['category'],
    market: row[5] as string,
    country: undefined,
    openedAt,
    charge: row[6] as BillableUnit['charge'],
    era: row[7] as BillableUnit['era'],
    pricedAt,
    messageIds: [],
  };
  return { unit, at };
}

/** Where a unit's row sits: its primary key but the stream, which the thread row that lists it names. */
export type UnitKey = readonly [wabaId: string, period: string, openedAt: number, unitId: string];

export const UNIT_BY_KEY = 'waba_id = ? AND period = ? AND opened_at = ? AND unit_id = ? AND stream = ?';

/**
 * A portfolio's units of one month in charge order, as stage 2 reads them, and which of its WABAs
 * have any; up to an opening instant when only the pricing of earlier units is asked for.
 */
export async function monthUnits(
  sql: Sql,
  table: string,
  members: readonly string[],
  period: string,
  upTo = Number.MAX_SAFE_INTEGER,
): Promise<{ units: Charged[]; withUnits: Set<string> }> {
  const units: Charged[] = [];
  const withUnits = new Set<string>();
  for (const waba of members) {
    const rows = await sql.rows(`SELECT ${UNIT_RATING} FROM ${table} WHERE waba_id = ? AND period = ? AND opened_at <= ? ORDER BY opened_at, unit_id, stream`, [waba, period, upTo]);
    for (const row of rows) units.push(ratingUnit(waba, row));
    if (rows.length) withUnits.add(waba);
  }
  // Each WABA's rows come sorted, so this merges runs.
  units.sort(byCharge);
  return { units, withUnits };
}

/** A thread's units, from the keys its row lists: one query. */
export async function threadUnits(sql: Sql, table: string, stream: string, keys: string): Promise<BillableUnit[]> {
  const listed = JSON.parse(keys) as UnitKey[];
  const byId = new Map((await unitsByKey(sql, table, listed.map((key) => ({ key, stream })))).map((row) => [row[3] as string, unitOf(row)]));
  return listed.flatMap(([, , , unitId]) => byId.get(unitId) ?? []);
}

/** Whole unit rows (UNIT_SELECT) by their keys, a few hundred keys to a query. */
export async function unitsByKey(sql: Sql, table: string, keys: readonly { key: UnitKey; stream: string }[]): Promise<unknown[][]> {
  const found: unknown[][] = [];
  // PostgreSQL types a VALUES list from its values, and parameters come as text.
  const tuple = sql.dialect === 'postgres' ? '(?, ?, ?::bigint, ?, ?)' : '(?, ?, ?, ?, ?)';
  for (let i = 0; i < keys.length; i += 400) {
    const chunk = keys.slice(i, i + 400);
    const params = chunk.flatMap(({ key, stream }) => [...key, stream]);
    const values = chunk.map(() => tuple).join(', ');
    for (const row of await sql.rows(`SELECT ${UNIT_SELECT} FROM ${table} WHERE (waba_id, period, opened_at, unit_id, stream) IN (VALUES ${values})`, params)) found.push(row);
  }
  return found;
}

/** Where a page of units in charge order ends, as a client hands it back: `instant~unit id`. */
export interface UnitCursor {
  readonly at: number;
  readonly unitId: string;
}

export const cursorText = (unit: BillableUnit): string => `${unit.openedAt}~${unit.id}`;

export function parseCursor(text: string): UnitCursor {
  const split = text.indexOf('~');
  return { at: Date.parse(text.slice(0, split)), unitId: text.slice(split + 1) };
}

/**
 * A page of one WABA's units of a month in charge order, after a cursor, among rows the `where`
 * clause narrows and `accept` keeps: reads chunk by chunk until the page is full. SQL orders
 * instants only; the ids of units sharing an instant are ordered here, as rating orders them, and
 * a chunk's last instant is read again whole with the next one, so no collation splits it.
 */
export async function unitPage(
  sql: Sql,
  table: string,
  scope: { wabaId: string; period: string; from?: number; to?: number; where?: string; params?: readonly Param[] },
  after: UnitCursor | undefined,
  limit: number,
  accept: (unit: BillableUnit) => boolean,
): Promise<{ units: BillableUnit[]; more: boolean }> {
  const page: BillableUnit[] = [];
  let from = Math.max(scope.from ?? Number.MIN_SAFE_INTEGER, after?.at ?? Number.MIN_SAFE_INTEGER);
  let chunk = Math.max(2 * limit, 200);
  for (;;) {
    const rows = await sql.rows(
      `SELECT ${UNIT_SELECT} FROM ${table} WHERE waba_id = ? AND period = ? AND opened_at >= ? AND opened_at <= ?${scope.where ? ` AND ${scope.where}` : ''} ORDER BY opened_at, unit_id, stream LIMIT ?`,
      [scope.wabaId, scope.period, from, scope.to ?? Number.MAX_SAFE_INTEGER, ...(scope.params ?? []), chunk],
    );
    const full = rows.length === chunk;
    const lastAt = full ? Number(rows[rows.length - 1]![2]) : Number.POSITIVE_INFINITY;
    if (full && Number(rows[0]![2]) === lastAt) {
      chunk *= 2;
      continue;
    }
    const units = rows.filter((row) => Number(row[2]) < lastAt).map((row) => ({ unit: unitOf(row), at: Number(row[2]) }));
    units.sort(byCharge);
    for (const { unit, at } of units) {
      if (after && (at < after.at || (at === after.at && unit.id <= after.unitId))) continue;
      if (!accept(unit)) continue;
      if (page.length === limit) return { units: page, more: true };
      page.push(unit);
    }
    if (!full) return { units: page, more: false };
    from = lastAt;
  }
}

/** The message a unit is named after: ids are `${kind}:${messageId}`. */
function messageOf(unitId: string): string {
  return unitId.slice(unitId.indexOf(':') + 1);
}
