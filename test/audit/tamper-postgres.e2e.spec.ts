import pg from 'pg';
import { loadConfig } from '../../src/config/ledger.config.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { tamperSuite } from './tamper.e2e.js';

if (!pgSkip()) {
  tamperSuite('postgres', async () => {
    const schema = freshSchema('tamper');
    const env = { LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, PORT: '0', LEDGER_PROJECTIONS: 'inline' };
    const sql = async (text: string, params: readonly unknown[] = []) => {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      try {
        let n = 0;
        const qualified = text.replace(/\b(events|streams|events_kept|streams_kept)\b/g, `${schema}.$1`).replace(/\?/g, () => `$${++n}`);
        return (await client.query(qualified, params as unknown[])).rowCount ?? 0;
      } finally {
        await client.end();
      }
    };
    return {
      config: loadConfig(env),
      env,
      headsKept: true,
      sql,
      snapshot: async () => {
        await sql('CREATE TABLE events_kept AS SELECT * FROM events');
        await sql('CREATE TABLE streams_kept AS SELECT * FROM streams');
      },
      restore: async () => {
        await sql('DELETE FROM events');
        await sql('INSERT INTO events SELECT * FROM events_kept');
        await sql('DELETE FROM streams');
        await sql('INSERT INTO streams SELECT * FROM streams_kept');
      },
      teardown: () => dropSchema(schema),
    };
  });
}
