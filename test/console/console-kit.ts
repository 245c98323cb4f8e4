import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { loadConfig } from '../../src/config/ledger.config.js';
import { ADMIN_KEY, Client, startApp } from '../support/app.js';
import type { Running } from '../support/app.js';
import { cards } from '../support/engine-kit.js';

export const WABA = 'waba-console';
export const PERIOD = '2025-10';

/** Debian's Chromium, headless, with a profile of its own and none of its own network calls (the machine has no network). */
export async function browser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'ledger-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A marketing template of October delivered late, once the month was issued, and the invoice revised for it: 0.14 becomes 0.20 USD. */
export async function reviseWithLateDelivery(url: string): Promise<void> {
  const admin = new Client(url, ADMIN_KEY);
  const thread = { wabaId: WABA, phoneNumberId: 'phone-console', customer: '5511987650003', messageId: 'wamid.c5' };
  assert.equal((await admin.post('/messages/sent', { ...thread, timestamp: '2025-10-21T13:00:00Z', kind: 'template', template: { name: 'late', category: 'marketing' } })).status, 201);
  const delivered = await admin.post<{ position: string }>('/messages/statuses', { ...thread, timestamp: '2025-10-21T13:00:02Z', status: 'delivered' });
  for (let tries = 0; ; tries++) {
    const draft = await admin.get<{ pending: boolean; draft: { total: string } }>(`/accounts/${WABA}/drafts?period=${PERIOD}&minPosition=${delivered.body.position}`);
    if (draft.status === 200 && !draft.body.pending && draft.body.draft.total === '0.20') break;
    if (tries > 200) throw new Error(`the late message was not rated: ${JSON.stringify(draft.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const revised = await admin.post(`/invoices/${WABA}.${PERIOD}/revisions`, { reason: 'a delivery reported late' });
  assert.equal(revised.status, 201, JSON.stringify(revised.body));
}

export interface ConsoleLedger {
  readonly running: Running;
  readonly keys: { readonly auditor: string; readonly billing: string };
  close(): Promise<void>;
}

/**
 * A ledger with one account's October 2025: two marketing templates and a utility template
 * delivered to customers in Brazil, and a reply that costs nothing; Meta disagrees on one category.
 */
export async function consoleLedger(): Promise<ConsoleLedger> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-console-'));
  const running = await startApp(loadConfig({ LEDGER_SQLITE_FILE: join(dir, 'ledger.db'), PORT: '0' }));
  const admin = new Client(running.url, ADMIN_KEY);
  const key = async (roles: string[]) => (await admin.post<{ key: string }>('/api-keys', { roles })).body.key;
  const keys = { auditor: await key(['auditor']), billing: await key(['billing', 'ingest']) };
  let last = '';
  const post = async (path: string, body: object) => {
    const reply = await admin.post<{ position: string }>(path, body);
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    last = reply.body.position;
  };
  await post('/rate-cards', cards.usd2025q4());
  await post('/accounts', { wabaId: WABA, portfolioId: 'pf-console', timezone: 'America/Sao_Paulo', currency: 'USD' });
  await post('/phone-numbers', { wabaId: WABA, phoneNumberId: 'phone-console', displayNumber: '+5511955550000' });
  // Meta states its pricing on two deliveries: as the ledger prices the first, and as utility for the second, a marketing template.
  const stated = (category: string) => ({ pricing: { billable: true, pricing_model: 'PMP', category, type: 'regular' } });
  const sends: [string, string, string, string, object | undefined][] = [
    ['wamid.c1', '5511987650001', '2025-10-06T13:00:00Z', 'marketing', stated('marketing')],
    ['wamid.c2', '5511987650002', '2025-10-07T13:00:00Z', 'marketing', stated('utility')],
    ['wamid.c3', '5511987650001', '2025-10-20T13:00:00Z', 'utility', undefined],
  ];
  for (const [messageId, customer, at, category, pricing] of sends) {
    const thread = { wabaId: WABA, phoneNumberId: 'phone-console', customer, messageId };
    await post('/messages/sent', { ...thread, timestamp: at, kind: 'template', template: { name: `${category}_t`, category } });
    await post('/messages/statuses', { ...thread, timestamp: new Date(Date.parse(at) + 2_000).toISOString(), status: 'delivered', ...(pricing ? { stated: pricing } : {}) });
  }
  await post('/messages/received', { wabaId: WABA, phoneNumberId: 'phone-console', customer: '5511987650001', messageId: 'wamid.c4', timestamp: '2025-10-06T13:05:00Z', kind: 'text' });
  // The console reads the read models: the month is shown once they have rated it.
  for (let tries = 0; ; tries++) {
    const draft = await admin.get<{ pending: boolean }>(`/accounts/${WABA}/drafts?period=${PERIOD}&minPosition=${last}`);
    if (draft.status === 200 && !draft.body.pending) break;
    if (tries > 200) throw new Error(`the draft was not rated: ${JSON.stringify(draft.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    running,
    keys,
    close: async () => {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
