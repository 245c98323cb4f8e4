import { loadConfig } from '../../src/config/ledger.config.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { truthSuite } from './billing-truth.e2e.js';

if (!pgSkip()) {
  truthSuite('postgres', async () => {
    const schema = freshSchema('truth');
    const env = { LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, PORT: '0' };
    return { config: loadConfig(env), env, teardown: () => dropSchema(schema) };
  });
}
