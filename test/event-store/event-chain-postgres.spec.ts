import pg from 'pg';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.adapter.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { eventChainContract } from './event-chain.contract.js';

if (!pgSkip()) {
  eventChainContract('postgres', async () => {
    const schema = freshSchema('chain');
    const store = new PostgresEventStore({ connectionString: pgUrl!, schema });
    await store.init();
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    return {
      store,
    headsKept: true,
      tamper: async (sql, params) => {
        let n = 0;
        const text = sql.replace(/\bevents\b/, `${schema}.events`).replace(/\?/g, () => `$${++n}`);
        return (await client.query(text, params as unknown[])).rowCount ?? 0;
      },
      teardown: async () => {
        await client.end();
        await store.close();
        await dropSchema(schema);
      },
    };
  });
}
