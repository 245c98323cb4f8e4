import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ApiKeys } from '../../src/auth/api-key.repository.js';
import { loadConfig } from '../../src/config/ledger.config.js';
import { openKeySql } from '../../src/read-models/read-model.factory.js';

describe('API keys in SQLite', () => {
  it("stay in the events' file (LEDGER_SQLITE_FILE), never in the read models' file a rebuild may replace, for SQLite and for EventStoreDB without PostgreSQL", async () => {
    for (const env of [{ LEDGER_STORE: 'sqlite' }, { LEDGER_STORE: 'esdb', ESDB_URL: 'esdb://127.0.0.1:2113?tls=false' }]) {
      const dir = mkdtempSync(join(tmpdir(), 'ledger-keys-'));
      try {
        const config = loadConfig({ ...env, LEDGER_SQLITE_FILE: join(dir, 'ledger.db') });
        const { sql, namespace } = openKeySql(config);
        const keys = new ApiKeys(sql, namespace, undefined);
        await keys.init();
        await keys.create(['billing'], null, 'billing team', new Date('2026-01-01T00:00:00Z'));
        await sql.close();
        const db = new Database(config.sqliteFile, { readonly: true });
        try {
          assert.deepEqual(db.prepare('SELECT label, roles FROM api_keys').all(), [{ label: 'billing team', roles: '["billing"]' }], env.LEDGER_STORE);
        } finally {
          db.close();
        }
        assert.equal(existsSync(config.readModelsFile), false, env.LEDGER_STORE);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
