import { loadConfig } from '../../src/config/ledger.config.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { poisonSuite } from './projection-poison.e2e.js';

if (!pgSkip()) {
  poisonSuite('postgres', async () => {
    const schema = freshSchema('poison');
    const env = { LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, PORT: '0' };
    return {
      config: loadConfig(env),
      env,
      teardown: () => dropSchema(schema),
    };
  });
}
