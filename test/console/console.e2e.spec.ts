import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browser, consoleLedger, PERIOD, reviseWithLateDelivery, WABA } from './console-kit.js';
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
    await page.locator('table.months tbody tr').first().waitFor();
    assert.deepEqual(await page.locator('table.months tbody tr').allInnerTexts(), [`${PERIOD}\t0.14 USD\t\tdraft\t\t`]);
    await page.fill('input[name=period]', PERIOD);
    await page.click('form.month-picker button');
    await page.locator('table.lines tbody tr').first().waitFor();
    const lines = await page.locator('table.lines tbody tr').allInnerTexts();
    assert.deepEqual(
      lines.map((l) => l.split('\t').slice(1, 8).join(' ')),
      ['Brazil marketing regular  2 0.0625 0.13', 'Brazil utility regular  1 0.0068 0.01'],
    );
    assert.equal(await page.locator('td.total').innerText(), '0.14 USD');
    await page.click('button.reconcile');
    await page.locator('section.reconciliation table.findings').waitFor();
    assert.match(await page.locator('section.reconciliation').innerText(), /3 delivered messages compared; 1 where Meta's stated pricing and the ledger differ\./);
    assert.deepEqual(await page.locator('tr.finding').allInnerTexts(), ['wamid.c2\tcategory\tmarketing\tutility\tphone-console\t5511987650002']);
    await page.selectOption('select[name=kind]', 'category');
    assert.equal(await page.locator('tr.finding').count(), 1);
    await page.locator('table.lines tbody tr').first().click();
    await page.locator('table.unit-list tbody tr').nth(1).waitFor();
    assert.deepEqual(await page.locator('table.unit-list tbody tr td:first-child').allInnerTexts(), ['message:wamid.c1', 'message:wamid.c2']);
    assert.match(await page.locator('section.units p.pager').innerText(), /^Units 1–2 of 2/);
    await page.locator('table.unit-list tbody tr').first().click();
    await page.locator('table.events tbody tr').first().waitFor();
    const events = await page.locator('table.events tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(events, ['MessageSent', 'MessageDelivered']);
    assert.equal(await page.locator('p.priced').innerText(), 'Priced regular at 0.0625, rate card meta-USD 2025-10-01, row Brazil/marketing');
    assert.ok((await page.locator('ol.decisions li').count()) > 0);
    assert.equal(await page.locator('[data-write]').count(), 0, 'an auditor is offered nothing that writes');
    assert.equal(await page.getByRole('button', { name: 'Issue invoice' }).count(), 0);
  });

  it("draws a thread's windows as bars on a time axis in the account's local time, its events as marks with the charged ones highlighted, each opening its event", async () => {
    const page = await chrome.context.newPage();
    await signIn(page, ledger.running.url, ledger.keys.auditor);
    await page.goto(`${ledger.running.url}/console/#/accounts/${WABA}/months/${PERIOD}`);
    await page.locator('table.lines tbody tr').first().click();
    await page.locator('table.unit-list tbody tr').first().click();
    await page.click('a.thread-link');
    await page.locator('.timeline svg').waitFor();
    // One customer service window: the reply at 13:05 UTC opens it for 24 h, 10:05 in São Paulo.
    assert.deepEqual(await page.locator('table.bars tbody tr').allInnerTexts(), ['Customer service window\t2025-10-06 10:05\t2025-10-07 10:05\t']);
    assert.ok((await page.locator('.timeline svg path').count()) > 10, 'the chart is drawn');
    // The axis is the account's wall clock: the tick labelled 2025-10-07 stands at midnight in São Paulo,
    // 13 h 55 min into the window that opened at 10:05 (a UTC midnight would stand 10 h 55 min in).
    const bar = (await page.locator('.timeline svg [fill="#4f8fd6"]').boundingBox())!;
    const tick = (await page.locator('.timeline svg text', { hasText: '2025-10-07' }).boundingBox())!;
    const into = (tick.x + tick.width / 2 - bar.x) / bar.width;
    assert.ok(Math.abs(into - (13 + 55 / 60) / 24) < 0.02, `the day's tick stands ${(into * 24).toFixed(2)} h into the window`);
    const marks = page.locator('table.marks tbody tr');
    assert.equal(await marks.count(), 3);
    assert.deepEqual(await page.locator('table.marks tbody tr.charged td:nth-child(3)').allInnerTexts(), ['wamid.c1', 'wamid.c3']);
    assert.equal(await page.locator('.event-card').count(), 0);
    await page.locator('table.marks tbody tr.charged').last().click();
    assert.match(await page.locator('.event-card').innerText(), /MessageDelivered wamid\.c3[\s\S]*2025-10-20 10:00[\s\S]*rule D-utility/);
  });

  it('shows the rate card in force at a date, row by row, and the health of the projections', async () => {
    const page = await chrome.context.newPage();
    await signIn(page, ledger.running.url, ledger.keys.auditor);
    await page.click('nav a[href="#/rate-cards"]');
    await page.locator('table.cards tbody tr').first().waitFor();
    assert.deepEqual((await page.locator('table.cards tbody tr').allInnerTexts()).map((r) => r.split('\t').slice(0, 4).join(' ')), ['meta-USD 2025-10-01 USD 2025-10-01']);
    await page.selectOption('select[name=card]', 'meta-USD');
    await page.fill('input[name=at]', '2025-10-15');
    await page.locator('p.in-force-version').waitFor();
    assert.match(await page.locator('p.in-force-version').innerText(), /^meta-USD 2025-10-01 \(effective 2025-10-01, UTC\)$/);
    assert.ok((await page.locator('table.rows tbody tr').allInnerTexts()).includes('Brazil\tmarketing\t0.0625'));
    await page.click('nav a[href="#/health"]');
    await page.locator('dd.status').waitFor();
    assert.equal(await page.locator('dd.status').innerText(), 'ok');
    await page.getByText('None: every account-month is current.').waitFor();
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

  it('shows a revision beside the invoice it revises, with the adjustment lines between them', async () => {
    await reviseWithLateDelivery(ledger.running.url);
    const page = await chrome.context.newPage();
    await signIn(page, ledger.running.url, ledger.keys.auditor);
    await page.goto(`${ledger.running.url}/console/#/accounts/${WABA}/months/${PERIOD}`);
    await page.locator('.documents article.document').nth(1).waitFor();
    assert.deepEqual(
      (await page.locator('.documents article.document h4').allInnerTexts()).map((t) => t.trim()),
      ['Issued · revision 0', 'Revised · revision 1'],
    );
    assert.deepEqual(await page.locator('.documents table.document-lines tfoot td.num').allInnerTexts(), ['0.14 USD', '0.20 USD']);
    assert.deepEqual(await page.locator('table.adjustments tr.adjustment').allInnerTexts(), ['Brazil\tmarketing\tregular\t\t1\t0.0625\t0.0625\t0.06']);
    assert.match(await page.locator('.documents article.document').nth(1).innerText(), /a delivery reported late/);
  });
});
