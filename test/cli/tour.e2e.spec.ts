import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe("the README's five-minute tour, pasted as written (scripts/tour.sh)", () => {
  it('turns a signed webhook on a fresh ledger into a 0.06 USD draft and invoice, exported as a PDF, that verifies', (t) => {
    if (spawnSync('curl', ['--version']).error || spawnSync('openssl', ['version']).error) {
      if (process.env.CI === 'true') assert.fail('the tour needs curl and openssl');
      t.skip('curl or openssl is not installed');
      return;
    }
    const port = String(40_000 + Math.floor(Math.random() * 10_000));
    const run = spawnSync('bash', ['scripts/tour.sh'], { env: { ...process.env, PORT: port }, encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /"eventId":"AccountRegistered:102290129340398"/);
    assert.match(run.stdout, /"lines":\[\{"market":"Brazil","category":"marketing","charge":"regular","tier":null,"quantity":1,"unitPrice":"0\.0625","exactAmount":"0\.0625","amount":"0\.06"/);
    assert.match(run.stdout, /"eventId":"InvoiceIssued:102290129340398\.2025-10:0".*"total":"0\.06"/);
    assert.match(run.stdout, /"match":true/);
    assert.match(run.stdout, /PDF: \d+ bytes\n$/);
  });
});
