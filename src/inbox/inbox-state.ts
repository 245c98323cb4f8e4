import type { Sql } from '../read-models/sql.js';
import { bare, ensureSchema } from '../read-models/sql.js';
import type { PayloadOutcome, ParkedItem } from './process-payload.js';

export interface ParkedRecord {
  readonly id: string;
  readonly payload: string;
  readonly revision: number;
  readonly path: string;
  readonly code: string;
  readonly reason: string;
  readonly wabaId: string | null;
  readonly phoneNumberId: string | null;
  readonly parkedAt: string;
  readonly attempts: number;
  /** The command to record, with Meta's item and the instant that dates it; null when the payload itself could not be read. */
  readonly item: { command: Record<string, unknown>; raw: unknown; dateAt: string | null } | null;
}

interface ParkedRow {
  id: string;
  sha256: string;
  revision: number | string;
  path: string;
  code: string;
  reason: string;
  waba_id: string | null;
  phone_number_id: string | null;
  item: string | null;
  parked_at: string;
  attempts: number | string;
}

/**
 * The inbox processor's own records, beside the read models but outside their versions: how far it
 * has read the inbox, what each payload came to, and the items parked. All of it follows from the
 * inbox and the log, so processing again from the start gives it back; every write is idempotent.
 */
export class InboxState {
  readonly checkpoint: string;
  readonly outcomes: string;
  readonly parked: string;

  constructor(
    readonly sql: Sql,
    readonly namespace: string,
  ) {
    this.checkpoint = `${namespace}inbox_checkpoint`;
    this.outcomes = `${namespace}inbox_outcomes`;
    this.parked = `${namespace}inbox_parked`;
  }

  async init(): Promise<void> {
    await ensureSchema(this.sql, this.namespace);
    const big = this.sql.dialect === 'postgres' ? 'BIGINT' : 'INTEGER';
    const create = async (sql: Sql) => {
      await sql.run(`CREATE TABLE IF NOT EXISTS ${this.checkpoint} (id INTEGER PRIMARY KEY, revision ${big} NOT NULL)`);
      await sql.run(`CREATE TABLE IF NOT EXISTS ${this.outcomes} (sha256 TEXT PRIMARY KEY, revision ${big} NOT NULL, processed_at TEXT NOT NULL, outcome TEXT NOT NULL)`);
      await sql.run(`CREATE TABLE IF NOT EXISTS ${this.parked} (id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, revision ${big} NOT NULL, path TEXT NOT NULL, code TEXT NOT NULL,
        reason TEXT NOT NULL, waba_id TEXT, phone_number_id TEXT, item TEXT, parked_at TEXT NOT NULL, attempts INTEGER NOT NULL, resolved_at TEXT, resolved_position TEXT)`);
    };
    // SQLite's file lock serialises processes; in this process the connection is shared with the keys' creation, so no transaction of its own.
    if (this.sql.dialect !== 'postgres') return create(this.sql);
    // Processes starting together on one PostgreSQL schema take turns (two CREATE TABLE IF NOT EXISTS can collide), as the keys' creation does.
    await this.sql.transaction(async (tx) => {
      await tx.run(`SELECT pg_advisory_xact_lock(hashtext(?))`, [`ledger-schema-${this.namespace.slice(0, -1)}`]);
      await create(tx);
    });
  }

  /** The last inbox revision processed, -1 before the first. */
  async processed(): Promise<number> {
    const [row] = await this.sql.all<{ revision: number | string }>(`SELECT revision FROM ${this.checkpoint} WHERE id = 0`);
    return row ? Number(row.revision) : -1;
  }

  /** Payloads' outcomes and their parked items, then the checkpoint: a crash in between processes them again, to the same rows. */
  async recordPage(entries: readonly { revision: number; sha256: string; outcome: PayloadOutcome }[], at: string): Promise<void> {
    const parked = entries.flatMap(({ revision, sha256, outcome }) => outcome.parked.map((p) => parkedRow(sha256, revision, p, at)));
    if (parked.length) await this.sql.insertMany(this.parked, PARKED_COLUMNS, parked, 'ON CONFLICT (id) DO NOTHING');
    const outcomes = entries.map(({ revision, sha256, outcome }) => {
      const { parked: items, ...rest } = outcome;
      const summary = { ...rest, parked: items.map((p) => ({ id: `${sha256}:${p.path}`, path: p.path, code: p.code, reason: p.reason })) };
      return [sha256, revision, at, JSON.stringify(summary)];
    });
    await this.sql.insertMany(this.outcomes, ['sha256', 'revision', 'processed_at', 'outcome'], outcomes, 'ON CONFLICT (sha256) DO NOTHING');
    const last = Math.max(...entries.map((e) => e.revision));
    const table = bare(this.checkpoint);
    await this.sql.run(
      `INSERT INTO ${this.checkpoint} (id, revision) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET revision = CASE WHEN excluded.revision > ${table}.revision THEN excluded.revision ELSE ${table}.revision END`,
      [last],
    );
  }

  async record(revision: number, sha256: string, outcome: PayloadOutcome, at: string): Promise<void> {
    await this.recordPage([{ revision, sha256, outcome }], at);
  }

  async outcome(sha256: string): Promise<{ revision: number; processedAt: string; outcome: unknown } | undefined> {
    const [row] = await this.sql.all<{ revision: number | string; processed_at: string; outcome: string }>(`SELECT revision, processed_at, outcome FROM ${this.outcomes} WHERE sha256 = ?`, [sha256]);
    return row && { revision: Number(row.revision), processedAt: row.processed_at, outcome: JSON.parse(row.outcome) as unknown };
  }

  /** Items still parked, oldest first; those waiting for an account or number only, when asked. */
  async unresolved(options: { waiting?: boolean; ids?: readonly string[]; limit?: number; offset?: number } = {}): Promise<ParkedRecord[]> {
    const where = ['resolved_at IS NULL'];
    const params: (string | number)[] = [];
    if (options.waiting) where.push('waba_id IS NOT NULL');
    if (options.ids) {
      if (!options.ids.length) return [];
      where.push(`id IN (${options.ids.map(() => '?').join(', ')})`);
      params.push(...options.ids);
    }
    const page = options.limit !== undefined ? ` LIMIT ${Math.floor(options.limit)} OFFSET ${Math.floor(options.offset ?? 0)}` : '';
    const rows = await this.sql.all<ParkedRow>(`SELECT id, sha256, revision, path, code, reason, waba_id, phone_number_id, item, parked_at, attempts FROM ${this.parked} WHERE ${where.join(' AND ')} ORDER BY revision, path${page}`, params);
    return rows.map(recordOf);
  }

  async countUnresolved(): Promise<number> {
    const [row] = await this.sql.all<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${this.parked} WHERE resolved_at IS NULL`);
    return Number(row?.n ?? 0);
  }

  async resolve(id: string, at: string, position: string | null): Promise<void> {
    await this.sql.run(`UPDATE ${this.parked} SET resolved_at = ?, resolved_position = ? WHERE id = ? AND resolved_at IS NULL`, [at, position, id]);
  }

  /** Still parked after another try: the reason may have changed (the account exists now, the number does not). */
  async again(id: string, item: ParkedItem): Promise<void> {
    await this.sql.run(`UPDATE ${this.parked} SET attempts = attempts + 1, code = ?, reason = ?, waba_id = ?, phone_number_id = ? WHERE id = ?`, [item.code, item.reason, item.wabaId, item.phoneNumberId, id]);
  }
}

const PARKED_COLUMNS = ['id', 'sha256', 'revision', 'path', 'code', 'reason', 'waba_id', 'phone_number_id', 'item', 'parked_at', 'attempts'];

function parkedRow(sha256: string, revision: number, p: ParkedItem, at: string): (string | number | null)[] {
  const item = p.command ? JSON.stringify({ command: p.command, raw: p.raw, dateAt: p.dateAt }) : null;
  return [`${sha256}:${p.path}`, sha256, revision, p.path, p.code, p.reason, p.wabaId, p.phoneNumberId, item, at, 0];
}

function recordOf(row: ParkedRow): ParkedRecord {
  return {
    id: row.id,
    payload: row.sha256,
    revision: Number(row.revision),
    path: row.path,
    code: row.code,
    reason: row.reason,
    wabaId: row.waba_id,
    phoneNumberId: row.phone_number_id,
    parkedAt: row.parked_at,
    attempts: Number(row.attempts),
    item: row.item === null ? null : (JSON.parse(row.item) as ParkedRecord['item']),
  };
}
