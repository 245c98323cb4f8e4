import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { browser, consoleLedger, PERIOD, reviseWithLateDelivery, WABA } from './console-kit.js';

/**
 * npm run console:screenshots [-- DIR]: the console's pages as a person sees them, as PNGs, on a
 * ledger seeded like the browser tests'. Prints where they are.
 */
const out = process.argv[2] ?? join(tmpdir(), 'ledger-console-screenshots');
mkdirSync(out, { recursive: true });
const ledger = await consoleLedger();
const chrome = await browser();
try {
  const page = await chrome.context.newPage();
  await page.goto(`${ledger.running.url}/console/`);
  await page.fill('input[name=key]', ledger.keys.billing);
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: 'Accounts' }).waitFor();
  await page.screenshot({ path: join(out, 'accounts.png'), fullPage: true });
  await page.click(`a[href="#/accounts/${WABA}"]`);
  await page.getByRole('heading', { name: `Account ${WABA}` }).waitFor();
  await page.screenshot({ path: join(out, 'account.png'), fullPage: true });
  await page.goto(`${ledger.running.url}/console/#/accounts/${WABA}/months/${PERIOD}`);
  await page.locator('table.lines tbody tr').first().click();
  await page.locator('table.unit-list tbody tr').first().click();
  await page.locator('table.events').waitFor();
  await page.screenshot({ path: join(out, 'invoice-drill-down.png'), fullPage: true });
  await page.click('a.thread-link');
  await page.locator('.timeline svg').waitFor();
  await page.locator('table.marks tbody tr.charged').first().click();
  await page.screenshot({ path: join(out, 'thread-time-line.png'), fullPage: true });
  await page.goto(`${ledger.running.url}/console/#/accounts/${WABA}/months/${PERIOD}`);
  await page.getByRole('button', { name: 'Issue invoice' }).click();
  await page.getByText(`Invoice ${WABA}.${PERIOD}`).waitFor();
  await reviseWithLateDelivery(ledger.running.url);
  await page.reload();
  await page.locator('table.adjustments').waitFor();
  await page.screenshot({ path: join(out, 'invoice-revisions.png'), fullPage: true });
  process.stdout.write(`screenshots in ${out}: accounts.png, account.png, invoice-drill-down.png, thread-time-line.png, invoice-revisions.png\n`);
} finally {
  await chrome.close();
  await ledger.close();
}
