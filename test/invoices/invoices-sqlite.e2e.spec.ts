import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/ledger.config.js';
import { invoiceSuite } from './invoices.e2e.js';

invoiceSuite('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-inv-'));
  // The HTTP suites run the runner in its thread (the default); this one on the server's own loop.
  const env = { LEDGER_SQLITE_FILE: join(dir, 'ledger.db'), PORT: '0', LEDGER_PROJECTIONS: 'inline' };
  return {
    config: loadConfig(env),
    env,
    tamper: async (eventId, data) => {
      const db = new Database(env.LEDGER_SQLITE_FILE);
      try {
        const changed = db.prepare('UPDATE events SET data = ? WHERE id = ?').run(JSON.stringify(data), eventId).changes;
        if (changed !== 1) throw new Error(`no event ${eventId} to tamper with`);
      } finally {
        db.close();
      }
    },
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
