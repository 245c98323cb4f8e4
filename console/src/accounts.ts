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

interface MonthRow {
  readonly period: string;
  readonly draft: { readonly total: string; readonly currency: string; readonly hash: string } | null;
  readonly pending: boolean;
  readonly blocked: number;
  readonly invoice: { readonly invoiceId: string; readonly status: string; readonly revision: number; readonly total: string; readonly currency: string; readonly hash: string } | null;
}

const SETTING_KEYS = new Set(['wabaId', 'effectiveFrom', 'recorded', 'reason']);

/** Accounts found on the server, a page at a time: a search names a WABA or a portfolio, or part of one. */
export function AccountsPage() {
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const needle = search.trim();
  const loaded = useLoad(() => get<{ total: number; accounts: AccountRow[] }>(`/accounts?limit=${PAGE}&offset=${offset}${needle ? `&q=${encodeURIComponent(needle)}` : ''}`), [needle, offset]);
  return html`<h2>Accounts</h2>
    <input class="search" type="search" placeholder="Search by WABA or portfolio" value=${search} onInput=${(e: Event) => {
      setSearch((e.target as HTMLInputElement).value);
      setOffset(0);
    }} />
    <${Shown} loaded=${loaded}>
      ${(answer: { total: number; accounts: AccountRow[] }) => html`<table class="accounts">
          <thead><tr><th>WABA</th><th>Portfolio</th><th>Time zone</th><th>Currency</th><th>Rate card</th><th>Numbers</th><th>Settings changes</th></tr></thead>
          <tbody>
            ${answer.accounts.map(
              (a) => html`<tr>
                <td><a href=${`#/accounts/${encodeURIComponent(a.wabaId)}`}>${a.wabaId}</a></td>
                <td>${a.portfolioId}</td><td>${a.latest.timezone}</td><td>${a.latest.currency}</td><td>${a.latest.rateCardId}</td>
                <td class="num">${a.numbers}</td><td class="num">${a.settingsChanges}</td>
              </tr>`,
            )}
          </tbody>
        </table>
        <p class="pager">
          ${answer.accounts.length ? `${offset + 1}–${offset + answer.accounts.length}` : 'none'} of ${answer.total} accounts${needle ? ` matching “${needle}”` : ''}
          <button class="previous" disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
          <button class="next" disabled=${offset + PAGE >= answer.total} onClick=${() => setOffset(offset + PAGE)}>Next</button>
        </p>`}
    <//>`;
}

const PAGE = 100;

/** An account: its settings history, and its months (drafts and invoices) from the read models; any other month can be opened by picking it. */
export function AccountPage({ wabaId }: { wabaId: string }) {
  const history = useLoad(() => get<History>(`/accounts/${encodeURIComponent(wabaId)}`), [wabaId]);
  const months = useLoad(() => get<{ months: MonthRow[] }>(`/accounts/${encodeURIComponent(wabaId)}/months`), [wabaId]);
  const [period, setPeriod] = useState('');
  const blocked = useLoad(() => ifAllowed(() => get<{ failures: { code: string; message: string; blocks: { wabaId: string; period: string }[] }[] }>(`/projection/failures?wabaId=${encodeURIComponent(wabaId)}`)), [wabaId]);
  const parked = useLoad(() => ifAllowed(() => get<{ parked: { path: string; code: string; reason: string; wabaId: string | null }[] }>(`/webhooks/parked?limit=500&wabaId=${encodeURIComponent(wabaId)}`)), [wabaId]);
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
    <${Shown} loaded=${months}>
      ${(answer: { months: MonthRow[] }) =>
        answer.months.length
          ? html`<table class="months"><thead><tr><th>Month</th><th>Draft</th><th>Invoice</th><th>Status</th><th>Revision</th><th>Invoiced</th></tr></thead><tbody>
              ${answer.months.map(
                (m) => html`<tr class="month">
                  <td><a href=${`#/accounts/${encodeURIComponent(wabaId)}/months/${m.period}`}>${m.period}</a></td>
                  <td class="num">${m.draft ? `${m.draft.total} ${m.draft.currency}` : ''}${m.pending ? html` <span class="badge">being rated</span>` : ''}${m.blocked ? html` <span class="badge blocked">blocked</span>` : ''}</td>
                  <td>${m.invoice?.invoiceId ?? ''}</td>
                  <td>${m.invoice ? `${m.invoice.status}${m.draft && m.invoice.hash !== m.draft.hash && m.invoice.status !== 'voided' ? ', the draft has moved since' : ''}` : 'draft'}</td>
                  <td class="num">${m.invoice?.revision ?? ''}</td>
                  <td class="num">${m.invoice ? `${m.invoice.total} ${m.invoice.currency}` : ''}</td>
                </tr>`,
              )}
            </tbody></table>`
          : html`<p class="hint">No billable unit yet.</p>`}
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
