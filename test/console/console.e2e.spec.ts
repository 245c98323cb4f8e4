import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browser, consoleLedger, PERIOD, WABA } from './console-kit.js';
import type { ConsoleLedger } from './console-kit.js';

async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.fill('input[name=key]', key);
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: 'Accounts' }).waitFor();
}

/** Without Chromium these tests skip, loudly, except in CI, where `.ci/run` installs it and its absence fails them. */
const skip = !existsSync('/usr/bin/chromium') && process.env.CI !== 'true' ? 'Debian\'s chromium is not installed (apt-get install chromium)' : false;

describe('the console, in a real browser', { skip }, () => {
  let ledger: ConsoleLedger;
  let chrome: Awaited<ReturnType<typeof browser>>;

  before(async () => {
    ledger = await consoleLedger();
    chrome = await browser();
  });
  after(async () => {
    await chrome?.close();
    await ledger?.close();
  });

  it("takes an auditor from the accounts to a month's line, its units and one unit's events and rules, and offers no control that writes", async () => {
    const page = await chrome.context.newPage();
    await signIn(page, ledger.running.url, ledger.keys.auditor);
    assert.equal(await page.locator('.who').getAttribute('data-roles'), 'auditor');
    await page.fill('input.search', 'pf-console');
    await page.click(`a[href="#/accounts/${WABA}"]`);
    await page.getByRole('heading', { name: `Account ${WABA}` }).waitFor();
    assert.match(await page.locator('dl.facts').innerText(), /America\/Sao_Paulo[\s\S]*USD[\s\S]*phone-console \(\+5511955550000\)/);
    await page.fill('input[name=period]', PERIOD);
    await page.click('form.month-picker button');
    await page.locator('table.lines tbody tr').first().waitFor();
    const lines = await page.locator('table.lines tbody tr').allInnerTexts();
    assert.deepEqual(
      lines.map((l) => l.split('\t').slice(1, 8).join(' ')),
      ['Brazil marketing regular  2 0.0625 0.13', 'Brazil utility regular  1 0.0068 0.01'],
    );
    assert.equal(await page.locator('td.total').innerText(), '0.14 USD');
    await page.locator('table.lines tbody tr').first().click();
    await page.locator('table.unit-list tbody tr').nth(1).waitFor();
    assert.deepEqual(await page.locator('table.unit-list tbody tr td:first-child').allInnerTexts(), ['message:wamid.c1', 'message:wamid.c2']);
    await page.locator('table.unit-list tbody tr').first().click();
    const events = await page.locator('table.events tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(events, ['MessageSent', 'MessageDelivered']);
    assert.ok((await page.locator('ol.decisions li').count()) > 0);
    assert.equal(await page.locator('[data-write]').count(), 0, 'an auditor is offered nothing that writes');
    assert.equal(await page.getByRole('button', { name: 'Issue invoice' }).count(), 0);
  });

  it('lets a billing key issue the month from the console, and verify it', async () => {
    const page = await chrome.context.newPage();
    await signIn(page, ledger.running.url, ledger.keys.billing);
    await page.goto(`${ledger.running.url}/console/#/accounts/${WABA}/months/${PERIOD}`);
    await page.getByRole('button', { name: 'Issue invoice' }).click();
    await page.getByText(`Invoice ${WABA}.${PERIOD}`).waitFor();
    assert.match(await page.locator('section.invoice-status').innerText(), /issued, revision 0, total 0\.14 USD/);
    assert.equal(await page.getByRole('button', { name: 'Issue invoice' }).count(), 0, 'an issued month is not offered again');
    await page.getByRole('button', { name: 'Verify' }).click();
    assert.equal(await page.locator('p.verdict').innerText(), 'Verified: the log gives this invoice, and every chain holds.');
  });
});
