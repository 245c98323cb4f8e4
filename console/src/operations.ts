import { useState } from 'preact/hooks';
import { get, ifAllowed } from './api.js';
import { html, Shown, useLoad } from './load.js';

interface CardVersion {
  readonly rateCardId: string;
  readonly version: string;
  readonly currency: string;
  readonly effectiveFrom: string;
  readonly status: string;
  readonly rates: number;
  readonly tiers: number;
}

interface InForce {
  readonly at: string;
  readonly timezone: string;
  readonly card: (CardVersion & { readonly rows: readonly { readonly market: string; readonly category: string; readonly price: string }[] }) | null;
}

interface Failure {
  readonly id: string;
  readonly code: string;
  readonly message: string;
  readonly stream: string | null;
  readonly lastSeen: string;
  readonly blocks: readonly { readonly wabaId: string; readonly period: string }[];
}

interface Health {
  readonly status: string;
  readonly projection: { readonly position: string; readonly caughtUp: boolean; readonly lagSeconds: number; readonly lagEvents: number; readonly partitions: number };
  readonly inbox: { readonly lagPayloads: number; readonly parked: number };
  readonly warnings: readonly string[];
}

export function RateCardsPage() {
  const cards = useLoad(() => get<{ cards: CardVersion[] }>('/rate-cards'), []);
  const [at, setAt] = useState('');
  const [card, setCard] = useState('');
  const inForce = useLoad(async () => (card && at ? get<InForce>(`/rate-cards/${encodeURIComponent(card)}/in-force?at=${at}T00:00:00Z`) : null), [card, at]);
  return html`<h2>Rate cards</h2>
    <${Shown} loaded=${cards}>
      ${(answer: { cards: CardVersion[] }) => html`<table class="cards">
        <thead><tr><th>Card</th><th>Version</th><th>Currency</th><th>Effective from</th><th>Status</th><th>Rates</th><th>Tier bands</th></tr></thead>
        <tbody>${answer.cards.map((c) => html`<tr><td>${c.rateCardId}</td><td>${c.version}</td><td>${c.currency}</td><td>${c.effectiveFrom}</td><td>${c.status}</td><td class="num">${c.rates}</td><td class="num">${c.tiers}</td></tr>`)}</tbody>
      </table>
      <form class="in-force" onSubmit=${(e: Event) => e.preventDefault()}>
        <label>In force: card <select name="card" value=${card} onChange=${(e: Event) => setCard((e.target as HTMLSelectElement).value)}>
          <option value="">choose</option>
          ${[...new Set(answer.cards.map((c) => c.rateCardId))].map((id) => html`<option value=${id}>${id}</option>`)}
        </select></label>
        <label>at <input type="date" name="at" value=${at} onInput=${(e: Event) => setAt((e.target as HTMLInputElement).value)} /></label>
      </form>`}
    <//>
    <${Shown} loaded=${inForce}>
      ${(answer: InForce | null) =>
        answer &&
        (answer.card
          ? html`<p class="in-force-version">${answer.card.rateCardId} <strong>${answer.card.version}</strong> (effective ${answer.card.effectiveFrom}, ${answer.timezone})</p>
              <table class="rows"><thead><tr><th>Market</th><th>Category</th><th>Price</th></tr></thead>
              <tbody>${answer.card.rows.map((r) => html`<tr><td>${r.market}</td><td>${r.category}</td><td class="num">${r.price}</td></tr>`)}</tbody></table>`
          : html`<p class="hint">No version in force then.</p>`)}
    <//>`;
}

export function HealthPage() {
  const health = useLoad(() => get<Health>('/health'), []);
  const failures = useLoad(() => ifAllowed(() => get<{ failures: Failure[] }>('/projection/failures')), []);
  return html`<h2>Health</h2>
    <${Shown} loaded=${health}>
      ${(h: Health) => html`<dl class="facts health">
        <dt>Status</dt><dd class=${`status ${h.status}`}>${h.status}</dd>
        <dt>Projection position</dt><dd>${h.projection.position} (${h.projection.partitions} partitions)</dd>
        <dt>Lag</dt><dd>${h.projection.lagEvents} events, ${h.projection.lagSeconds} s${h.projection.caughtUp ? ', caught up' : ''}</dd>
        <dt>Webhook inbox</dt><dd>${h.inbox.lagPayloads} payloads waiting, ${h.inbox.parked} items parked</dd>
        ${h.warnings.length ? html`<dt>Warnings</dt><dd>${h.warnings.join('; ')}</dd>` : ''}
      </dl>`}
    <//>
    <h3>Projection failures</h3>
    <${Shown} loaded=${failures}>
      ${(answer: { failures: Failure[] } | null) =>
        !answer
          ? html`<p class="hint">This key does not read projection failures (auditors do).</p>`
          : answer.failures.length
            ? html`<table class="failures"><thead><tr><th>Code</th><th>Message</th><th>Stream</th><th>Blocks</th><th>Last seen</th></tr></thead>
                <tbody>${answer.failures.map((f) => html`<tr><td>${f.code}</td><td>${f.message}</td><td>${f.stream ?? ''}</td><td>${f.blocks.map((b) => `${b.wabaId} ${b.period}`).join(', ')}</td><td>${f.lastSeen}</td></tr>`)}</tbody></table>`
            : html`<p class="hint">None: every account-month is current.</p>`}
    <//>`;
}
