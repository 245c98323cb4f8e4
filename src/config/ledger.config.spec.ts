import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { loadConfig } from './ledger.config.js';

describe('ledger configuration', () => {
  it('defaults to the embedded SQLite store in ./data', () => {
    const config = loadConfig({});
    assert.equal(config.store, 'sqlite');
    assert.match(config.sqliteFile, /\/data\/ledger\.db$/);
    assert.equal(config.port, 3000);
  });

  it('keeps SQLite read models in a file of their own beside the events, unless told where', () => {
    assert.equal(loadConfig({ LEDGER_SQLITE_FILE: '/srv/ledger/events.db' }).readModelsFile, '/srv/ledger/events.read-models.db');
    assert.equal(loadConfig({ LEDGER_SQLITE_FILE: '/srv/ledger/log' }).readModelsFile, '/srv/ledger/log.read-models.db');
    assert.equal(loadConfig({ LEDGER_SQLITE_READ_MODELS: '/fast/rm.db' }).readModelsFile, '/fast/rm.db');
  });

  it('runs the projection runner in a thread by default, reads on as thread, and refuses an unknown mode', () => {
    assert.equal(loadConfig({}).projections, 'thread');
    assert.equal(loadConfig({ LEDGER_PROJECTIONS: 'on' }).projections, 'thread');
    assert.equal(loadConfig({ LEDGER_PROJECTIONS: 'inline' }).projections, 'inline');
    assert.equal(loadConfig({ LEDGER_PROJECTIONS: 'off' }).projections, 'off');
    assert.throws(() => loadConfig({ LEDGER_PROJECTIONS: 'maybe' }), /LEDGER_PROJECTIONS must be thread \(or on\), inline or off, got maybe/);
  });

  it('refuses a PostgreSQL store without its URL', () => {
    assert.throws(() => loadConfig({ LEDGER_STORE: 'postgres' }), /LEDGER_PG_URL/);
  });

  it('keeps 2,000 rated portfolio-months by default, none when told 0, and refuses a count that is not a whole number', () => {
    assert.equal(loadConfig({}).projectionHeldMonths, 2_000);
    assert.equal(loadConfig({ LEDGER_PROJECTION_HELD_MONTHS: '0' }).projectionHeldMonths, 0);
    assert.throws(() => loadConfig({ LEDGER_PROJECTION_HELD_MONTHS: 'many' }), /LEDGER_PROJECTION_HELD_MONTHS must be a whole number/);
  });

  it('lowers the runner thread to nice 10 by default, not at all when told 0, and refuses what setpriority cannot take', () => {
    assert.equal(loadConfig({}).projectionNice, 10);
    assert.equal(loadConfig({ LEDGER_PROJECTION_NICE: '0' }).projectionNice, 0);
    assert.equal(loadConfig({ LEDGER_PROJECTION_NICE: '19' }).projectionNice, 19);
    for (const bad of ['20', '-1', '2.5', 'low']) {
      assert.throws(() => loadConfig({ LEDGER_PROJECTION_NICE: bad }), new RegExp(`LEDGER_PROJECTION_NICE must be a whole number from 0 to 19, got ${bad.replace('.', '\\.')}`));
    }
  });

  it('shares the partitions among one worker thread per core by default, and leases them for 30 s unless told otherwise', () => {
    assert.equal(loadConfig({}).projectionWorkers, availableParallelism());
    assert.equal(loadConfig({ LEDGER_PROJECTION_WORKERS: '3' }).projectionWorkers, 3);
    assert.equal(loadConfig({}).projectionLeaseMs, 30_000);
    assert.equal(loadConfig({ LEDGER_PROJECTION_LEASE_MS: '2000' }).projectionLeaseMs, 2_000);
    for (const bad of ['0', '65', '1.5', 'all']) assert.throws(() => loadConfig({ LEDGER_PROJECTION_WORKERS: bad }), /LEDGER_PROJECTION_WORKERS must be a whole number from 1 to 64/);
    assert.throws(() => loadConfig({ LEDGER_PROJECTION_LEASE_MS: '999' }), /LEDGER_PROJECTION_LEASE_MS must be a whole number of milliseconds from 1000/);
  });

  it('refuses an unknown store kind', () => {
    assert.throws(() => loadConfig({ LEDGER_STORE: 'mysql' }), /sqlite, postgres or esdb/);
  });
});
