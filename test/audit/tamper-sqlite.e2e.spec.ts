import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/ledger.config.js';
import { tamperSuite } from './tamper.e2e.js';

tamperSuite('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-tamper-'));
  const env = { LEDGER_SQLITE_FILE: join(dir, 'ledger.db'), PORT: '0', LEDGER_PROJECTIONS: 'inline' };
  const sql = async (text: string, params: readonly unknown[] = []) => {
    const db = new Database(env.LEDGER_SQLITE_FILE);
    try {
      return db.prepare(text).run(...params).changes;
    } finally {
      db.close();
    }
  };
  return {
    config: loadConfig(env),
    env,
    headsKept: false,
    sql,
    snapshot: async () => void (await sql('CREATE TABLE events_kept AS SELECT * FROM events')),
    restore: async () => {
      await sql('DELETE FROM events');
      await sql('INSERT INTO events SELECT * FROM events_kept');
    },
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
