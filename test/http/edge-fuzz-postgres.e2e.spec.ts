import { loadConfig } from '../../src/config/ledger.config.js';
import { dropSchema, freshSchema, pgSkip, pgUrl } from '../support/postgres.js';
import { fuzzSuite } from './edge-fuzz.e2e.js';

if (!pgSkip()) {
  fuzzSuite('postgres', async () => {
    const schema = freshSchema('fuzz');
    return { config: loadConfig({ LEDGER_STORE: 'postgres', LEDGER_PG_URL: pgUrl, LEDGER_PG_SCHEMA: schema, PORT: '0' }), teardown: () => dropSchema(schema) };
  });
}
