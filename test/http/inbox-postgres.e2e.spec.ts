import { loadConfig } from '../../src/config/ledger.config.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { inboxSuite } from './inbox.e2e.js';

if (!pgSkip()) {
  inboxSuite('postgres', async () => {
    const schema = freshSchema('inbox');
    const env = { LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, PORT: '0' };
    return { config: loadConfig(env), env, teardown: () => dropSchema(schema) };
  });
}
