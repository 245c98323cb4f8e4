import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe("the README's five-minute tour (scripts/tour.sh)", () => {
  it('turns a signed webhook on a fresh ledger into a 0.06 USD invoice, exported as CSV and PDF, that verifies', (t) => {
    if (spawnSync('curl', ['--version']).error || spawnSync('openssl', ['version']).error) {
      if (process.env.CI === 'true') assert.fail('the tour needs curl and openssl');
      t.skip('curl or openssl is not installed');
      return;
    }
    const port = String(40_000 + Math.floor(Math.random() * 10_000));
    const run = spawnSync('bash', ['scripts/tour.sh'], { env: { ...process.env, PORT: port }, encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /"eventId":"AccountRegistered:102290129340398"/);
    assert.match(run.stdout, /"status":"processed","outcome":\{"items":1,"appended":1/);
    assert.match(run.stdout, /total: 0\.06\n/);
    assert.match(run.stdout, /^102290129340398\.2025-10-1,102290129340398\.2025-10,issued,0,2025-10,USD,line,1,Brazil,marketing,regular,,1,,0\.0625,0\.0625,0\.06,/m);
    assert.match(run.stdout, /PDF: \d+ bytes\n/);
    assert.equal(run.stdout.trim().split('\n').pop(), 'true', 'audit verify matches');
  });
});
