import pg from 'pg';
import { loadConfig } from '../../src/config/ledger.config.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { invoiceSuite } from './invoices.e2e.js';

async function sql(text: string, params: unknown[] = []): Promise<number> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rowCount ?? 0;
  } finally {
    await client.end();
  }
}

if (!pgSkip()) {
  invoiceSuite('postgres', async () => {
    const schema = freshSchema('inv');
    const env = { LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, PORT: '0' };
    return {
      config: loadConfig(env),
      env,
      tamper: async (eventId, data) => {
        if ((await sql(`UPDATE ${schema}.events SET data = $1::json WHERE id = $2`, [JSON.stringify(data), eventId])) !== 1) throw new Error(`no event ${eventId} to tamper with`);
      },
      teardown: () => dropSchema(schema),
    };
  });
}
