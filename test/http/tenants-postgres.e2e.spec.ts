import { loadConfig } from '../../src/config/ledger.config.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { tenantSuite } from './tenants.e2e.js';

if (!pgSkip()) {
  tenantSuite('postgres', async () => {
    const schema = freshSchema('tenants');
    return { config: loadConfig({ LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, PORT: '0' }), teardown: () => dropSchema(schema) };
  });
}
