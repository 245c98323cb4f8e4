import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './ledger.config.js';

describe('ledger configuration', () => {
  it('defaults to the embedded SQLite store in ./data', () => {
    const config = loadConfig({});
    assert.equal(config.store, 'sqlite');
    assert.match(config.sqliteFile, /\/data\/ledger\.db$/);
    assert.equal(config.port, 3000);
  });

  it('refuses a PostgreSQL store without its URL', () => {
    assert.throws(() => loadConfig({ LEDGER_STORE: 'postgres' }), /LEDGER_PG_URL/);
  });

  it('refuses an unknown store kind', () => {
    assert.throws(() => loadConfig({ LEDGER_STORE: 'mysql' }), /sqlite, postgres or esdb/);
  });
});
