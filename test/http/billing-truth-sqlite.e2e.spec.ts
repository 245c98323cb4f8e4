import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/ledger.config.js';
import { truthSuite } from './billing-truth.e2e.js';

truthSuite('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-truth-'));
  const env = { LEDGER_SQLITE_FILE: join(dir, 'ledger.db'), PORT: '0' };
  return { config: loadConfig(env), env, teardown: async () => rmSync(dir, { recursive: true, force: true }) };
});
