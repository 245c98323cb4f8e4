import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';

/**
 * PostgreSQL suites need a server. On a laptop without one they skip, loudly; in CI (CI=true)
 * or with LEDGER_REQUIRE_PG=1 a missing server fails the run instead.
 */
export const pgUrl = process.env.LEDGER_TEST_PG_URL;
const required = process.env.CI === 'true' || process.env.LEDGER_REQUIRE_PG === '1';

export function pgSkip(): string | false {
  if (pgUrl) return false;
  if (required) {
    it('has a PostgreSQL server to test against', () => {
      assert.fail('LEDGER_TEST_PG_URL is not set, and PostgreSQL suites are required here (CI or LEDGER_REQUIRE_PG=1)');
    });
    return 'LEDGER_TEST_PG_URL missing (failing: required)';
  }
  process.stderr.write('\n*** PostgreSQL suites SKIPPED: set LEDGER_TEST_PG_URL to run them ***\n\n');
  return 'set LEDGER_TEST_PG_URL to run the PostgreSQL suites';
}

export function freshSchema(prefix = 't'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Drops a schema a suite made, and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
