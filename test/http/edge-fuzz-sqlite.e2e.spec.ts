import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/ledger.config.js';
import { fuzzSuite } from './edge-fuzz.e2e.js';

fuzzSuite('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-fuzz-'));
  return { config: loadConfig({ LEDGER_SQLITE_FILE: join(dir, 'ledger.db'), PORT: '0' }), teardown: async () => rmSync(dir, { recursive: true, force: true }) };
});
