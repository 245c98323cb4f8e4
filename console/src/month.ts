import { useState } from 'preact/hooks';
import { canWrite, download, get, post, Problem } from './api.js';
import type { Caller } from './api.js';
import { html, Shown, useLoad } from './load.js';
import type { InvoiceLineData } from '../../projections/events.js';

type Line = InvoiceLineData;

interface Draft {
  readonly draft: { readonly total: string; readonly currency: string; readonly lines: readonly Line[] };
  readonly pending: boolean;
  readonly blocked: readonly { readonly code: string; readonly message: string }[];
}

interface Invoice {
  readonly invoiceId: string;
  readonly status: string;
  readonly revision: number;
  readonly total: string;
  readonly currency: string;
  readonly lines: readonly Line[];
}

interface Decision {
  readonly event: string;
  readonly messageId: string;
  readonly at?: string;
  readonly position?: string;
  readonly era: string | null;
  readonly rule: string;
  readonly action: string;
  readonly explanation: string;
}

interface ExplainedUnit {
  readonly unit: { readonly id: string; readonly kind: string; readonly category: string; readonly openedAt: string; readonly phoneNumberId: string; readonly customer: string; readonly era: string };
  readonly events: readonly { readonly type: string; readonly position?: string; readonly data: { readonly timestamp: string; readonly messageId: string } }[];
  readonly decisions: readonly Decision[];
}

interface Verdict {
  readonly match: boolean;
  readonly difference?: { readonly line?: number; readonly field: string };
  readonly breaks: readonly { readonly stream: string; readonly revision: number; readonly kind: string }[];
}

const tier = (line: Line) => line.tier ?? '';

async function invoiceOrNone(id: string): Promise<Invoice | null> {
  try {
    return await get<Invoice>(`/invoices/${encodeURIComponent(id)}`);
  } catch (problem) {
    if (problem instanceof Problem && problem.code === 'INVOICE_UNKNOWN') return null;
    throw problem;
  }
}

/** A month: its draft, its invoice when issued, each line down to its units and each unit down to its events and rules. */
export function MonthPage({ caller, wabaId, period }: { caller: Caller; wabaId: string; period: string }) {
  const invoiceId = `${wabaId}.${period}`;
  const draft = useLoad(() => get<Draft>(`/accounts/${encodeURIComponent(wabaId)}/drafts?period=${period}`), [wabaId, period]);
  const invoice = useLoad(() => invoiceOrNone(invoiceId), [invoiceId]);
  const [line, setLine] = useState<number | null>(null);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const issue = async () => {
    try {
      await post('/invoices', { wabaId, period });
      setMessage('Issued.');
      invoice.reload();
    } catch (problem) {
      setMessage((problem as Error).message);
    }
  };
  const verify = async () => {
    try {
      setVerdict(await get<Verdict>(`/audit/invoices/${encodeURIComponent(invoiceId)}/verify`));
    } catch (problem) {
      setMessage((problem as Error).message);
    }
  };
  return html`<p class="crumbs"><a href="#/accounts">Accounts</a> › <a href=${`#/accounts/${encodeURIComponent(wabaId)}`}>${wabaId}</a> › ${period}</p>
    <h2>${wabaId} · ${period}</h2>
    <${Shown} loaded=${invoice}>
      ${(issued: Invoice | null) => html`<section class="invoice-status">
        ${issued
          ? html`<p>Invoice <strong>${issued.invoiceId}</strong>: <span class="status">${issued.status}</span>, revision ${issued.revision}, total <strong>${issued.total} ${issued.currency}</strong></p>
              <button onClick=${() => void verify()}>Verify</button>
              <button onClick=${() => void download(`/invoices/${encodeURIComponent(issued.invoiceId)}?format=csv`, `${issued.invoiceId}.csv`)}>CSV</button>
              <button onClick=${() => void download(`/invoices/${encodeURIComponent(issued.invoiceId)}?format=pdf`, `${issued.invoiceId}.pdf`)}>PDF</button>`
          : html`<p>No invoice issued for this month: the draft as the ledger knows it now.</p>`}
        ${canWrite(caller) && (!issued || issued.status === 'voided') && html`<button class="write" data-write="issue" onClick=${() => void issue()}>Issue invoice</button>`}
        ${verdict &&
        html`<p class=${verdict.match ? 'verdict ok' : 'verdict bad'} role="status">
          ${verdict.match ? 'Verified: the log gives this invoice, and every chain holds.' : `Mismatch: ${verdict.difference ? `first difference ${verdict.difference.line ? `line ${verdict.difference.line}` : verdict.difference.field}` : ''}${verdict.breaks.map((b) => `; ${b.stream} revision ${b.revision} ${b.kind}`).join('')}`}
        </p>`}
        ${message && html`<p class="message" role="status">${message}</p>`}
      </section>`}
    <//>
    <${Shown} loaded=${draft}>
      ${(d: Draft) => html`<h3>Draft ${d.pending ? html`<span class="badge">being rated</span>` : ''}</h3>
        ${d.blocked.length ? html`<p class="error">Blocked: ${d.blocked.map((b) => `${b.code}: ${b.message}`).join('; ')}</p>` : ''}
        <table class="lines">
          <thead><tr><th>#</th><th>Market</th><th>Category</th><th>Charge</th><th>Tier</th><th>Quantity</th><th>Unit price</th><th>Amount</th><th>Rate card row</th></tr></thead>
          <tbody>
            ${d.draft.lines.map(
              (l, i) => html`<tr class=${line === i + 1 ? 'line selected' : 'line'} onClick=${() => setLine(i + 1)}>
                <td>${i + 1}</td><td>${l.market}</td><td>${l.category}</td><td>${l.charge}</td><td>${tier(l)}</td>
                <td class="num">${l.quantity}</td><td class="num">${l.unitPrice}</td><td class="num">${l.amount}</td>
                <td>${l.rateCard ? `${l.rateCard.id} ${l.rateCard.version} ${l.rateCard.row}` : ''}</td>
              </tr>`,
            )}
          </tbody>
          <tfoot><tr><td colspan="7">Total</td><td class="num total">${d.draft.total} ${d.draft.currency}</td><td></td></tr></tfoot>
        </table>
        ${d.draft.lines.length === 0 ? html`<p class="hint">Nothing billed this month.</p>` : html`<p class="hint">Click a line for the units behind it.</p>`}`}
    <//>
    ${line !== null && html`<${LineUnits} wabaId=${wabaId} period=${period} line=${line} />`}
    <${Reconciliation} wabaId=${wabaId} period=${period} />`;
}

interface Reconciled {
  readonly messages: number;
  readonly findings: readonly { readonly messageId: string; readonly kind: string; readonly ledger: string; readonly meta: string; readonly phoneNumberId: string; readonly customer: string }[];
  readonly byKind: Readonly<Record<string, number>>;
}

/**
 * Meta's stated verdicts (pricing on its statuses) against the ledger's, message by message,
 * filterable by kind. Asked for, not loaded with the month: it reads every thread of the month from the log.
 */
function Reconciliation({ wabaId, period }: { wabaId: string; period: string }) {
  const [asked, setAsked] = useState(false);
  return html`<section class="reconciliation">
    <h3>Reconciliation with Meta</h3>
    ${asked ? html`<${Findings} wabaId=${wabaId} period=${period} />` : html`<button class="reconcile" onClick=${() => setAsked(true)}>Reconcile the month with Meta's statuses</button>`}
  </section>`;
}

function Findings({ wabaId, period }: { wabaId: string; period: string }) {
  const loaded = useLoad(() => get<Reconciled>(`/accounts/${encodeURIComponent(wabaId)}/reconciliation?period=${period}`), [wabaId, period]);
  const [kind, setKind] = useState('');
  return html`<div class="findings">
    <${Shown} loaded=${loaded}>
      ${(r: Reconciled) => html`<p>${r.messages} delivered messages compared; ${r.findings.length} where Meta's stated pricing and the ledger differ.</p>
        ${r.findings.length > 0 &&
        html`<label>Kind <select name="kind" value=${kind} onChange=${(e: Event) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="">all</option>
            ${Object.entries(r.byKind).map(([k, n]) => html`<option value=${k}>${k} (${n})</option>`)}
          </select></label>
          <table class="findings"><thead><tr><th>Message</th><th>Kind</th><th>Ledger</th><th>Meta</th><th>Number</th><th>Customer</th></tr></thead>
          <tbody>${r.findings.filter((f) => !kind || f.kind === kind).map((f) => html`<tr class="finding"><td>${f.messageId}</td><td>${f.kind}</td><td>${f.ledger}</td><td>${f.meta}</td><td>${f.phoneNumberId}</td><td>${f.customer}</td></tr>`)}</tbody></table>`}`}
    <//>
  </div>`;
}

function LineUnits({ wabaId, period, line }: { wabaId: string; period: string; line: number }) {
  const explained = useLoad(() => get<{ lines: { line: number; units: ExplainedUnit[] }[] }>(`/audit/accounts/${encodeURIComponent(wabaId)}/explain?period=${period}&line=${line}`), [wabaId, period, line]);
  const [unit, setUnit] = useState<string | null>(null);
  return html`<section class="units">
    <h3>Line ${line}: its units</h3>
    <${Shown} loaded=${explained}>
      ${(answer: { lines: { units: ExplainedUnit[] }[] }) => {
        const units = answer.lines[0]?.units ?? [];
        const open = units.find((u) => u.unit.id === unit);
        return html`<table class="unit-list">
            <thead><tr><th>Unit</th><th>Kind</th><th>Category</th><th>Opened</th><th>Number</th><th>Customer</th><th>Era</th></tr></thead>
            <tbody>
              ${units.map(
                (u) => html`<tr class=${unit === u.unit.id ? 'unit selected' : 'unit'} onClick=${() => setUnit(u.unit.id)}>
                  <td>${u.unit.id}</td><td>${u.unit.kind}</td><td>${u.unit.category}</td><td>${u.unit.openedAt}</td><td>${u.unit.phoneNumberId}</td><td>${u.unit.customer}</td><td>${u.unit.era}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${open && html`<${UnitEvents} wabaId=${wabaId} unit=${open} />`}`;
      }}
    <//>
  </section>`;
}

function UnitEvents({ wabaId, unit }: { wabaId: string; unit: ExplainedUnit }) {
  return html`<section class="unit-events">
    <h4>Unit ${unit.unit.id}: its events and the rules that charged it</h4>
    <p><a class="thread-link" href=${`#/accounts/${encodeURIComponent(wabaId)}/threads/${encodeURIComponent(unit.unit.phoneNumberId)}/${encodeURIComponent(unit.unit.customer)}`}>The thread's time line</a></p>
    <table class="events">
      <thead><tr><th>Event</th><th>Message</th><th>Instant</th><th>Position</th></tr></thead>
      <tbody>${unit.events.map((e) => html`<tr class="event"><td>${e.type}</td><td>${e.data.messageId}</td><td>${e.data.timestamp}</td><td>${e.position ?? ''}</td></tr>`)}</tbody>
    </table>
    <ol class="decisions">
      ${unit.decisions.map((d) => html`<li><strong>${d.rule}</strong> (${d.era ?? 'no era'}, ${d.action}): ${d.explanation}</li>`)}
    </ol>
  </section>`;
}
