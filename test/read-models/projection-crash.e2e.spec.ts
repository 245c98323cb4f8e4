import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { seedStore } from '../../bench/seed.js';
import { loadConfig } from '../../src/config/ledger.config.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.adapter.js';
import { ProjectionRunner } from '../../src/read-models/projection.runner.js';
import { PROJECTION_VERSION, ProjectionRegistry, ReadModelTables } from '../../src/read-models/read-model.schema.js';
import { SqliteSql } from '../../src/read-models/sql.js';
import { UNIT_SELECT } from '../../src/read-models/unit-rows.js';
import { CLI, runCli } from '../support/cli.js';

/** Every read model of a version, as sorted text: what "identical" means. Positions of rating differ with batch sizes and are left out. */
function dump(file: string, tables: ReadModelTables): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const query = (sql: string) => (db.prepare(sql).raw().all() as unknown[][]).map((row) => JSON.stringify(row));
    return [
      ...query(`SELECT 'account', waba_id, data FROM ${tables.accounts} ORDER BY waba_id`),
      ...query(`SELECT 'number', phone_number_id, waba_id FROM ${tables.numbers} ORDER BY phone_number_id`),
      ...query(`SELECT 'card', rate_card_id, version, data FROM ${tables.rateCards} ORDER BY rate_card_id, version`),
      ...query(`SELECT 'thread', stream, first_at, last_at, open_until, windows, units FROM ${tables.threads} ORDER BY stream`),
      ...query(`SELECT 'unit', ${UNIT_SELECT} FROM ${tables.units} ORDER BY stream, unit_id`),
      ...query(`SELECT 'draft', waba_id, period, total, hash, data FROM ${tables.drafts} ORDER BY waba_id, period`),
      ...query(`SELECT 'dirty', waba_id, period FROM ${tables.dirty}`),
    ];
  } finally {
    db.close();
  }
}

function checkpointEvents(file: string, tables: ReadModelTables): number {
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare(`SELECT events FROM ${tables.checkpoint} WHERE id = 1`).get() as { events: number } | undefined;
    return row?.events ?? 0;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

describe('projection runner crash safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-crash-'));
  const file = join(dir, 'ledger.db');
  // Where the server and the CLI keep the read models of that log.
  const models = loadConfig({ LEDGER_SQLITE_FILE: file }).readModelsFile;
  const live = new ReadModelTables('', PROJECTION_VERSION);
  let total = 0;

  before(async () => {
    const store = new SqliteEventStore({ file, synchronous: 'NORMAL' });
    total = await seedStore(store, { events: 40_000, accounts: 40 });
    await store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('killed with SIGKILL in the middle of catching up, then restarted, ends with read models identical to a clean rebuild', async () => {
    // Small pages and transactions, so the kill lands between commits, mid-way.
    const env = { ...process.env, LEDGER_SQLITE_FILE: file, LEDGER_PROJECTION_BATCH: '300', LEDGER_PROJECTION_COMMIT: '1500', LEDGER_LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, [CLI, 'project'], { env, stdio: 'ignore' });
    let seen = 0;
    for (let i = 0; i < 2_000 && seen < total / 4; i++) {
      await sleep(10);
      seen = checkpointEvents(models, live);
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const atKill = checkpointEvents(models, live);
    assert.ok(atKill > 0 && atKill < total, `the runner must die part-way (checkpoint at ${atKill} of ${total})`);

    const restart = await runCli(['project'], { LEDGER_SQLITE_FILE: file, LEDGER_PROJECTION_BATCH: '300', LEDGER_PROJECTION_COMMIT: '1500' });
    assert.equal(restart.code, 0, restart.stderr);
    assert.equal(checkpointEvents(models, live), total);

    const clean = new ReadModelTables('', 'clean-rebuild');
    const store = new SqliteEventStore({ file });
    const sql = new SqliteSql(models);
    const runner = new ProjectionRunner(store, sql, clean, new ProjectionRegistry(''), { batchSize: 5_000 });
    await runner.init();
    await runner.catchUp();
    await sql.close();
    await store.close();

    const recovered = dump(models, live);
    const rebuilt = dump(models, clean);
    assert.ok(rebuilt.filter((r) => r.startsWith('["unit"')).length > 1_000, 'the traffic must produce units to compare');
    assert.equal(recovered.length, rebuilt.length);
    assert.deepEqual(recovered, rebuilt);
  });
});
