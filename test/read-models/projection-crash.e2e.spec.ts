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
import { openProcessor } from '../../src/read-models/ledger-processor.js';
import { dumpReadModels } from '../../src/read-models/read-model.dump.js';
import { PROJECTION_VERSION, ReadModelTables } from '../../src/read-models/read-model.schema.js';
import { SqliteSql } from '../../src/read-models/sql.js';
import { CLI, runCli } from '../support/cli.js';

/** How far the slowest partition has come: 0 before the read models exist. */
function checkpointEvents(file: string, tables: ReadModelTables): number {
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare(`SELECT MIN(events) AS events FROM ${tables.checkpoints.table}`).get() as { events: number | null } | undefined;
    return row?.events ?? 0;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

describe('projection processor crash safety, with two worker threads', () => {
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
    const settings = { LEDGER_SQLITE_FILE: file, LEDGER_PROJECTION_BATCH: '300', LEDGER_PROJECTION_COMMIT: '1500', LEDGER_PROJECTION_WORKERS: '2' };
    const env = { ...process.env, ...settings, LEDGER_LOG_LEVEL: 'warn' };
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

    // The killed process's leases are taken over at once: its process is gone from this host.
    const restart = await runCli(['project'], settings);
    assert.equal(restart.code, 0, restart.stderr);
    assert.equal(checkpointEvents(models, live), total);

    const store = new SqliteEventStore({ file });
    const sql = new SqliteSql(models);
    try {
      const recovered = await dumpReadModels(sql, live);
      const clean = await openProcessor({ store, sql, namespace: '', tuning: { ...loadConfig({}), projectionBatch: 5_000 }, claim: 'free', version: 'clean-rebuild' });
      await clean.processor.catchUp();
      await clean.processor.leave();
      const rebuilt = await dumpReadModels(sql, clean.tables);
      assert.ok(rebuilt.filter((r) => r.startsWith('["unit"')).length > 1_000, 'the traffic must produce units to compare');
      assert.equal(recovered.length, rebuilt.length);
      assert.deepEqual(recovered, rebuilt);

      const rebuild = await runCli(['rebuild', '--workers', '2'], settings);
      assert.equal(rebuild.code, 0, rebuild.stderr);
      assert.deepEqual(await dumpReadModels(sql, live), recovered, 'a rebuild by two workers gives the same read models');
    } finally {
      await sql.close();
      await store.close();
    }
  });
});
