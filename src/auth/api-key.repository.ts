import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sql } from '../read-models/sql.js';
import { ensureSchema } from '../read-models/sql.js';
import type { Role, Scope } from './scope.js';

export interface ApiKeyRecord {
  readonly id: string;
  readonly roles: readonly Role[];
  readonly wabas: readonly string[] | null;
  readonly label: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

interface Row {
  id: string;
  roles: string;
  wabas: string | null;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

/** Keys are 32 random bytes, so a plain sha256 is enough to keep them unusable at rest. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

const TTL_MS = 5_000;

/**
 * API keys, hashed at rest. A key reads `lk_<id>_<secret>`; only its hash is stored. A bootstrap
 * admin key can come from the environment and is compared in constant time, never stored.
 */
export class ApiKeys {
  readonly table: string;
  private readonly cache = new Map<string, { scope: Scope | null; until: number }>();
  private readonly bootstrap: Buffer | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly namespace: string,
    bootstrapKey: string | undefined,
  ) {
    this.table = `${namespace}api_keys`;
    this.bootstrap = bootstrapKey ? Buffer.from(hashKey(bootstrapKey), 'hex') : undefined;
  }

  async init(): Promise<void> {
    await ensureSchema(this.sql, this.namespace);
    // Processes starting together on one PostgreSQL schema take turns, as the event store's and the read models' creation do.
    await this.sql.transaction(async (tx) => {
      if (tx.dialect === 'postgres') await tx.run(`SELECT pg_advisory_xact_lock(hashtext(?))`, [`ledger-schema-${this.namespace.slice(0, -1)}`]);
      await tx.run(`CREATE TABLE IF NOT EXISTS ${this.table} (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, roles TEXT NOT NULL,
        wabas TEXT, label TEXT, created_at TEXT NOT NULL, revoked_at TEXT)`);
    });
  }

  async create(roles: readonly Role[], wabas: readonly string[] | null, label: string | null, now: Date): Promise<{ key: string; record: ApiKeyRecord }> {
    const id = randomBytes(6).toString('hex');
    const key = `lk_${id}_${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = { id, roles: [...roles], wabas: wabas ? [...wabas] : null, label, createdAt: now.toISOString(), revokedAt: null };
    await this.sql.run(`INSERT INTO ${this.table} (id, hash, roles, wabas, label, created_at) VALUES (?, ?, ?, ?, ?, ?)`, [
      id,
      hashKey(key),
      JSON.stringify(record.roles),
      record.wabas ? JSON.stringify(record.wabas) : null,
      label,
      record.createdAt,
    ]);
    return { key, record };
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.sql.all<Row>(`SELECT id, roles, wabas, label, created_at, revoked_at FROM ${this.table} ORDER BY created_at, id`);
    return rows.map(toRecord);
  }

  async revoke(id: string, now: Date): Promise<boolean> {
    const rows = await this.sql.all<{ id: string }>(`UPDATE ${this.table} SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id`, [now.toISOString(), id]);
    this.cache.clear();
    return rows.length > 0;
  }

  /** The scope a presented key grants, or null. Revocation takes effect within a few seconds (the cache). */
  async authenticate(key: string, nowMs: number): Promise<Scope | null> {
    const hash = hashKey(key);
    if (this.bootstrap && timingSafeEqual(Buffer.from(hash, 'hex'), this.bootstrap)) return { actor: 'key:bootstrap', roles: ['admin'], wabas: null };
    const cached = this.cache.get(hash);
    if (cached && cached.until > nowMs) return cached.scope;
    const rows = await this.sql.all<Row>(`SELECT id, roles, wabas, label, created_at, revoked_at FROM ${this.table} WHERE hash = ?`, [hash]);
    const record = rows[0] ? toRecord(rows[0]) : undefined;
    const scope = record && !record.revokedAt ? { actor: `key:${record.id}`, roles: record.roles, wabas: record.wabas } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { scope, until: nowMs + TTL_MS });
    return scope;
  }
}

function toRecord(row: Row): ApiKeyRecord {
  return {
    id: row.id,
    roles: JSON.parse(row.roles) as Role[],
    wabas: row.wabas ? (JSON.parse(row.wabas) as string[]) : null,
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
