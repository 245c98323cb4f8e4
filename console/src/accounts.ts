import { useState } from 'preact/hooks';
import { get, ifAllowed } from './api.js';
import { html, Shown, useLoad } from './load.js';

interface AccountRow {
  readonly wabaId: string;
  readonly portfolioId: string;
  readonly latest: { readonly timezone: string; readonly currency: string; readonly rateCardId: string };
  readonly numbers: number;
  readonly settingsChanges: number;
}

interface Recorded {
  readonly recordedAt: string | null;
  readonly actor: string | null;
}

interface History {
  readonly registered: { readonly wabaId: string; readonly portfolioId: string; readonly timezone: string; readonly currency: string; readonly rateCardId: string; readonly recorded: Recorded };
  readonly settings: readonly ({ readonly effectiveFrom: string; readonly recorded: Recorded } & Record<string, unknown>)[];
  readonly numbers: readonly { readonly phoneNumberId: string; readonly displayNumber?: string; readonly recorded: Recorded }[];
}

interface InvoiceRow {
  readonly invoiceId: string;
  readonly period: string;
  readonly status: string;
  readonly revision: number;
  readonly currency: string;
  readonly total: string;
}

const SETTING_KEYS = new Set(['wabaId', 'effectiveFrom', 'recorded', 'reason']);

export function AccountsPage() {
  const [search, setSearch] = useState('');
  const loaded = useLoad(() => get<{ total: number; accounts: AccountRow[] }>('/accounts?limit=500'), []);
  return html`<h2>Accounts</h2>
    <input class="search" type="search" placeholder="Search by WABA or portfolio" value=${search} onInput=${(e: Event) => setSearch((e.target as HTMLInputElement).value)} />
    <${Shown} loaded=${loaded}>
      ${(answer: { total: number; accounts: AccountRow[] }) => {
        const needle = search.trim().toLowerCase();
        const rows = answer.accounts.filter((a) => !needle || a.wabaId.toLowerCase().includes(needle) || a.portfolioId.toLowerCase().includes(needle));
        return html`<table class="accounts">
          <thead><tr><th>WABA</th><th>Portfolio</th><th>Time zone</th><th>Currency</th><th>Rate card</th><th>Numbers</th><th>Settings changes</th></tr></thead>
          <tbody>
            ${rows.map(
              (a) => html`<tr>
                <td><a href=${`#/accounts/${encodeURIComponent(a.wabaId)}`}>${a.wabaId}</a></td>
                <td>${a.portfolioId}</td><td>${a.latest.timezone}</td><td>${a.latest.currency}</td><td>${a.latest.rateCardId}</td>
                <td class="num">${a.numbers}</td><td class="num">${a.settingsChanges}</td>
              </tr>`,
            )}
          </tbody>
        </table>
        <p class="hint">${rows.length} of ${answer.total} accounts</p>`;
      }}
    <//>`;
}

/** The months around today in the account's sense are picked by the user; issued ones are listed. */
export function AccountPage({ wabaId }: { wabaId: string }) {
  const history = useLoad(() => get<History>(`/accounts/${encodeURIComponent(wabaId)}`), [wabaId]);
  const invoices = useLoad(() => get<{ invoices: InvoiceRow[] }>(`/invoices?wabaId=${encodeURIComponent(wabaId)}`), [wabaId]);
  const [period, setPeriod] = useState('');
  const blocked = useLoad(() => ifAllowed(() => get<{ failures: { code: string; message: string; blocks: { wabaId: string; period: string }[] }[] }>('/projection/failures')), [wabaId]);
  const parked = useLoad(() => ifAllowed(() => get<{ parked: { path: string; code: string; reason: string; wabaId: string | null }[] }>('/webhooks/parked?limit=500')), [wabaId]);
  return html`<p class="crumbs"><a href="#/accounts">Accounts</a> › ${wabaId}</p>
    <${Shown} loaded=${history}>
      ${(h: History) => html`<h2>Account ${h.registered.wabaId}</h2>
        <dl class="facts">
          <dt>Portfolio</dt><dd>${h.registered.portfolioId}</dd>
          <dt>Time zone</dt><dd>${h.registered.timezone}</dd>
          <dt>Currency</dt><dd>${h.registered.currency}</dd>
          <dt>Rate card</dt><dd>${h.registered.rateCardId}</dd>
          <dt>Numbers</dt><dd>${h.numbers.map((n) => n.displayNumber ? `${n.phoneNumberId} (+${n.displayNumber})` : n.phoneNumberId).join(', ') || 'none'}</dd>
        </dl>
        <h3>Settings history</h3>
        ${h.settings.length
          ? html`<table class="settings"><thead><tr><th>Effective from</th><th>Change</th><th>Reason</th><th>Recorded</th><th>By</th></tr></thead><tbody>
              ${h.settings.map(
                (s) => html`<tr><td>${s.effectiveFrom}</td><td>${Object.entries(s).filter(([k]) => !SETTING_KEYS.has(k)).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')}</td><td>${typeof s.reason === 'string' ? s.reason : ''}</td><td>${s.recorded.recordedAt}</td><td>${s.recorded.actor}</td></tr>`,
              )}
            </tbody></table>`
          : html`<p class="hint">No change since registration.</p>`}`}
    <//>
    <h3>Months</h3>
    <form class="month-picker" onSubmit=${(e: Event) => {
      e.preventDefault();
      if (period) location.hash = `#/accounts/${encodeURIComponent(wabaId)}/months/${period}`;
    }}>
      <label>Open a month <input type="month" name="period" value=${period} onInput=${(e: Event) => setPeriod((e.target as HTMLInputElement).value)} /></label>
      <button type="submit">Open</button>
    </form>
    <${Shown} loaded=${invoices}>
      ${(answer: { invoices: InvoiceRow[] }) =>
        answer.invoices.length
          ? html`<table class="invoices"><thead><tr><th>Month</th><th>Invoice</th><th>Status</th><th>Revision</th><th>Total</th></tr></thead><tbody>
              ${answer.invoices.map(
                (i) => html`<tr><td><a href=${`#/accounts/${encodeURIComponent(wabaId)}/months/${i.period}`}>${i.period}</a></td><td>${i.invoiceId}</td><td>${i.status}</td><td class="num">${i.revision}</td><td class="num">${i.total} ${i.currency}</td></tr>`,
              )}
            </tbody></table>`
          : html`<p class="hint">No invoice issued yet: open a month to see its draft.</p>`}
    <//>
    <${Shown} loaded=${blocked}>
      ${(answer: { failures: { code: string; message: string; blocks: { wabaId: string; period: string }[] }[] } | null) => {
        const mine = (answer?.failures ?? []).flatMap((f) => f.blocks.filter((b) => b.wabaId === wabaId).map((b) => ({ ...b, code: f.code, message: f.message })));
        return mine.length ? html`<h3>Blocked months</h3><ul class="blocked">${mine.map((b) => html`<li>${b.period}: ${b.code}, ${b.message}</li>`)}</ul>` : '';
      }}
    <//>
    <${Shown} loaded=${parked}>
      ${(answer: { parked: { path: string; code: string; reason: string; wabaId: string | null }[] } | null) => {
        const mine = (answer?.parked ?? []).filter((p) => p.wabaId === wabaId);
        return mine.length ? html`<h3>Parked webhooks</h3><ul class="parked">${mine.map((p) => html`<li>${p.code}: ${p.reason}</li>`)}</ul>` : '';
      }}
    <//>`;
}
