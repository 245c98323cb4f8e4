import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config/ledger.config.js';
import type { Running } from '../support/app.js';
import { ADMIN_KEY, Client, startApp } from '../support/app.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';

interface Health {
  readonly projection: { readonly caughtUp: boolean; readonly lagEvents: number; readonly lagSeconds: number };
}

if (!pgSkip()) {
  describe('/health on PostgreSQL while the runner cannot see new rows', () => {
    const schema = freshSchema('lag');
    let app: Running;
    let client: Client;
    let other: pg.Client;

    before(async () => {
      app = await startApp(loadConfig({ LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, PORT: '0', LEDGER_PROJECTION_WORKERS: '1' }));
      client = new Client(app.url, ADMIN_KEY);
      other = new pg.Client({ connectionString: pgUrl });
      await other.connect();
    });

    after(async () => {
      await other.end();
      await app.close();
      await dropSchema(schema);
    });

    it('reports the write as lag, not caught up, and catches up once the other transaction ends', async () => {
      assert.equal((await client.post('/accounts', { wabaId: 'w-lag', portfolioId: 'pf-lag', timezone: 'UTC', currency: 'USD' })).status, 201);
      const settled = async (want: boolean) => {
        for (let i = 0; i < 200; i++) {
          const health = (await client.get<Health>('/health')).body;
          if (health.projection.caughtUp === want) return health;
          await sleep(50);
        }
        assert.fail(`/health never showed caughtUp ${want}`);
      };
      await settled(true);

      // Another session's transaction, open with an id older than the write below: the runner may not read past it.
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()');
      try {
        assert.equal((await client.post('/phone-numbers', { wabaId: 'w-lag', phoneNumberId: 'p-lag' })).status, 201);
        await sleep(500);
        const held = (await client.get<Health>('/health')).body;
        assert.deepEqual({ caughtUp: held.projection.caughtUp, lagEvents: held.projection.lagEvents }, { caughtUp: false, lagEvents: 1 });
        const metrics = (await client.get('/metrics')).body as unknown as string;
        assert.match(metrics, /^ledger_projection_lag_events 1$/m);
      } finally {
        await other.query('COMMIT');
      }
      const after = await settled(true);
      assert.equal(after.projection.lagEvents, 0);
    });
  });
}
