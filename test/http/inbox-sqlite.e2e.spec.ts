import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/ledger.config.js';
import { inboxSuite } from './inbox.e2e.js';

inboxSuite('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-inbox-'));
  const env = { LEDGER_SQLITE_FILE: join(dir, 'ledger.db'), PORT: '0' };
  return { config: loadConfig(env), env, teardown: async () => rmSync(dir, { recursive: true, force: true }) };
});
