import { loadConfig } from '../../src/config/ledger.config.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { drillDownSuite } from './drill-down.e2e.js';

if (!pgSkip()) {
  drillDownSuite('postgres', async () => {
    const schema = freshSchema('drill');
    return { config: loadConfig({ LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, PORT: '0' }), teardown: () => dropSchema(schema) };
  });
}
