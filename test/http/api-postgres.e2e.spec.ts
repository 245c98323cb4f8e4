import pg from 'pg';
import { loadConfig } from '../../src/config/ledger.config.js';
import { freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { apiSuite } from './api.e2e.js';

if (!pgSkip()) {
  apiSuite('postgres', async () => {
    const schema = freshSchema('api');
    return {
      config: loadConfig({ LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, PORT: '0' }),
      teardown: async () => {
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      },
    };
  });
}
