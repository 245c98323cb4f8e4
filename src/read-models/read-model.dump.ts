import { createHash } from 'node:crypto';
import type { ReadModelTables } from './read-model.schema.js';
import type { Sql } from './sql.js';
import { UNIT_SELECT } from './threads/unit-rows.js';

/**
 * Every read model of a version as sorted lines of JSON: what "the same read models" means when a
 * rebuild is compared with the runner that followed the log, or one worker count with another.
 * Where and when things were computed (positions of folding and rating, checkpoints, when a
 * failure was seen and how often) differ between equal read models and are left out.
 */
export async function dumpReadModels(sql: Sql, tables: ReadModelTables): Promise<string[]> {
  const query = async (text: string) => (await sql.rows(text)).map((row) => JSON.stringify(row.map((v) => (typeof v === 'bigint' || typeof v === 'number' ? String(v) : v))));
  return [
    ...(await query(`SELECT 'setting', commit_pos, prepare_pos, type, data FROM ${tables.settings} ORDER BY commit_pos, prepare_pos`)),
    ...(await query(`SELECT 'thread', stream, partition, waba_id, first_at, last_at, open_until, windows, units FROM ${tables.threads} ORDER BY stream`)),
    ...(await query(`SELECT 'unit', ${UNIT_SELECT} FROM ${tables.units} ORDER BY stream, unit_id`)),
    ...(await query(`SELECT 'orphan', waba_id, stream FROM ${tables.orphans} ORDER BY waba_id, stream`)),
    ...(await query(`SELECT 'draft', waba_id, period, partition, total, hash, data FROM ${tables.drafts} ORDER BY waba_id, period`)),
    ...(await query(`SELECT 'dirty', waba_id, period FROM ${tables.dirty} ORDER BY waba_id, period`)),
    ...(await query(`SELECT 'invoice', invoice_id, status, revision, total, hash, position FROM ${tables.invoices} ORDER BY invoice_id`)),
    ...(await query(`SELECT 'failure', id, partition, kind, subject, waba_id, stream, code, message FROM ${tables.failures} ORDER BY id`)),
    ...(await query(`SELECT 'blocked', failure_id, waba_id, period FROM ${tables.blocked} ORDER BY failure_id, waba_id, period`)),
    ...(await query(`SELECT 'finding', waba_id, period, message_id, kind, stream, depends, ledger, meta, unit FROM ${tables.findings} ORDER BY waba_id, period, message_id, kind, stream, depends`)),
    ...(await query(`SELECT 'compared', stream, period, waba_id, messages FROM ${tables.compared} ORDER BY stream, period`)),
  ];
}

/** The sha256 of the dump: equal read models, equal checksums. */
export async function readModelChecksum(sql: Sql, tables: ReadModelTables): Promise<string> {
  const hash = createHash('sha256');
  for (const line of await dumpReadModels(sql, tables)) hash.update(line).update('\n');
  return hash.digest('hex');
}
