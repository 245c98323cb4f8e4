import { useState } from 'preact/hooks';
import { canWrite, download, get, post, Problem } from './api.js';
import type { Caller } from './api.js';
import { html, Shown, useLoad } from './load.js';
import type { AdjustmentLineData, InvoiceLineData, Positioned } from '../../projections/events.js';
import type { ExplainedDecision } from '../../projections/audit/explain.js';
import type { BillableUnit } from '../../projections/thread/thread.types.js';

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

type Decision = ExplainedDecision;

type Unit = BillableUnit;

/** The thread audit (GET /audit/accounts/.../threads/...), as far as a unit's view reads it. */
interface ThreadAnswer {
  readonly events: readonly Positioned[];
  readonly decisions: readonly Decision[];
}

interface UnitsPage {
  readonly total: number;
  readonly units: readonly Unit[];
  readonly next: string | null;
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
    <${Shown} loaded=${invoice}>${(issued: Invoice | null) => issued && issued.revision + (issued.status === 'voided' ? 1 : 0) > 0 && html`<${Revisions} invoiceId=${issued.invoiceId} />`}<//>
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
    ${line !== null && html`<${LineUnits} key=${line} wabaId=${wabaId} period=${period} line=${line} />`}
    <${Reconciliation} wabaId=${wabaId} period=${period} />`;
}

interface InvoiceDocument {
  readonly type: 'InvoiceIssued' | 'InvoiceRevised' | 'InvoiceVoided';
  readonly recordedAt: string;
  readonly actor: string;
  readonly revision: number;
  readonly data: {
    readonly total?: string;
    readonly currency?: string;
    readonly reason?: string;
    readonly lines?: readonly Line[];
    readonly adjustments?: readonly AdjustmentLineData[];
  };
}

const DOCUMENT_NAMES = { InvoiceIssued: 'Issued', InvoiceRevised: 'Revised', InvoiceVoided: 'Voided' } as const;

/** Every document of an invoice side by side: each revision's lines, and the adjustment lines that take the one before it there. */
function Revisions({ invoiceId }: { invoiceId: string }) {
  const loaded = useLoad(() => get<{ documents: InvoiceDocument[] }>(`/invoices/${encodeURIComponent(invoiceId)}/revisions`), [invoiceId]);
  return html`<section class="revisions">
    <h3>Revisions</h3>
    <${Shown} loaded=${loaded}>
      ${({ documents }: { documents: InvoiceDocument[] }) => html`<div class="documents">
        ${documents.map(
          (doc) => html`<article class="document">
            <h4>${DOCUMENT_NAMES[doc.type]}${doc.type === 'InvoiceVoided' ? '' : ` · revision ${doc.revision}`}</h4>
            <p class="hint">${doc.recordedAt} by ${doc.actor}${doc.data.reason ? html`<br />${doc.data.reason}` : ''}</p>
            ${doc.data.lines &&
            html`<table class="document-lines">
              <thead><tr><th>Market</th><th>Category</th><th>Charge</th><th>Tier</th><th>Qty</th><th>Price</th><th>Amount</th></tr></thead>
              <tbody>${doc.data.lines.map((l) => html`<tr><td>${l.market}</td><td>${l.category}</td><td>${l.charge}</td><td>${tier(l)}</td><td class="num">${l.quantity}</td><td class="num">${l.unitPrice}</td><td class="num">${l.amount}</td></tr>`)}</tbody>
              <tfoot><tr><td colspan="6">Total</td><td class="num">${doc.data.total} ${doc.data.currency}</td></tr></tfoot>
            </table>`}
            ${doc.data.adjustments &&
            html`<h5>Adjustment lines</h5>
              <table class="adjustments">
                <thead><tr><th>Market</th><th>Category</th><th>Charge</th><th>Tier</th><th>Qty</th><th>Was</th><th>Now</th><th>Amount</th></tr></thead>
                <tbody>${doc.data.adjustments.map((a) => html`<tr class="adjustment"><td>${a.market}</td><td>${a.category}</td><td>${a.charge}</td><td>${a.tier ?? ''}</td><td class="num">${a.quantity}</td><td class="num">${a.previousUnitPrice ?? ''}</td><td class="num">${a.unitPrice ?? ''}</td><td class="num">${a.amount}</td></tr>`)}</tbody>
              </table>`}
          </article>`,
        )}
      </div>`}
    <//>
  </section>`;
}

interface Reconciled {
  readonly messages: number;
  readonly total: number;
  readonly byKind: Readonly<Record<string, number>>;
  readonly findings: readonly { readonly messageId: string; readonly kind: string; readonly ledger: string; readonly meta: string; readonly phoneNumberId: string; readonly customer: string }[];
  readonly next: string | null;
}

const PAGE = 50;

/** Pages walked with the API's `next`: the cursors of the pages before this one, to walk back. */
function usePages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1]!;
  return {
    after,
    number: cursors.length,
    next: (cursor: string) => setCursors([...cursors, cursor]),
    back: () => setCursors(cursors.slice(0, -1)),
    reset: () => setCursors([null]),
  };
}

function Pager({ pages, next, shown, total, noun }: { pages: ReturnType<typeof usePages>; next: string | null; shown: number; total: number; noun: string }) {
  const first = (pages.number - 1) * PAGE + 1;
  return html`<p class="pager">
    ${noun} ${shown ? `${first.toLocaleString('en-US')}–${(first + shown - 1).toLocaleString('en-US')}` : 'none'} of ${total.toLocaleString('en-US')}
    <button class="previous" disabled=${pages.number === 1} onClick=${() => pages.back()}>Previous</button>
    <button class="next" disabled=${!next} onClick=${() => next && pages.next(next)}>Next</button>
  </p>`;
}

/**
 * Meta's stated verdicts (pricing on its statuses) against the ledger's, message by message, a
 * page at a time, filtered by kind on the server. Asked for, not loaded with the month.
 */
function Reconciliation({ wabaId, period }: { wabaId: string; period: string }) {
  const [asked, setAsked] = useState(false);
  return html`<section class="reconciliation">
    <h3>Reconciliation with Meta</h3>
    ${asked ? html`<${Findings} wabaId=${wabaId} period=${period} />` : html`<button class="reconcile" onClick=${() => setAsked(true)}>Reconcile the month with Meta's statuses</button>`}
  </section>`;
}

function Findings({ wabaId, period }: { wabaId: string; period: string }) {
  const [kind, setKind] = useState('');
  const pages = usePages();
  const loaded = useLoad(
    () => get<Reconciled>(`/accounts/${encodeURIComponent(wabaId)}/reconciliation?period=${period}&limit=${PAGE}${kind ? `&kind=${kind}` : ''}${pages.after ? `&after=${pages.after}` : ''}`),
    [wabaId, period, kind, pages.after],
  );
  return html`<div class="findings">
    <${Shown} loaded=${loaded}>
      ${(r: Reconciled) => {
        const all = Object.values(r.byKind).reduce((a, b) => a + b, 0);
        return html`<p>${r.messages} delivered messages compared; ${all} where Meta's stated pricing and the ledger differ.</p>
          ${all > 0 &&
          html`<label>Kind <select name="kind" value=${kind} onChange=${(e: Event) => {
              setKind((e.target as HTMLSelectElement).value);
              pages.reset();
            }}>
              <option value="">all</option>
              ${Object.entries(r.byKind).map(([k, n]) => html`<option value=${k}>${k} (${n})</option>`)}
            </select></label>
            <table class="findings"><thead><tr><th>Message</th><th>Kind</th><th>Ledger</th><th>Meta</th><th>Number</th><th>Customer</th></tr></thead>
              <tbody>${r.findings.map((f) => html`<tr class="finding"><td>${f.messageId}</td><td>${f.kind}</td><td>${f.ledger}</td><td>${f.meta}</td><td>${f.phoneNumberId}</td><td>${f.customer}</td></tr>`)}</tbody></table>
            <${Pager} pages=${pages} next=${r.next} shown=${r.findings.length} total=${r.total} noun="Findings" />`}`;
      }}
    <//>
  </div>`;
}

/** A line's units, a page at a time, from the read models: the line's first and last unit bound them, the stored draft places each. */
function LineUnits({ wabaId, period, line }: { wabaId: string; period: string; line: number }) {
  const pages = usePages();
  const loaded = useLoad(
    () => get<UnitsPage>(`/accounts/${encodeURIComponent(wabaId)}/units?period=${period}&line=${line}&limit=${PAGE}${pages.after ? `&after=${encodeURIComponent(pages.after)}` : ''}`),
    [wabaId, period, line, pages.after],
  );
  const [unit, setUnit] = useState<Unit | null>(null);
  return html`<section class="units">
    <h3>Line ${line}: its units</h3>
    <${Shown} loaded=${loaded}>
      ${(page: UnitsPage) => html`<table class="unit-list">
          <thead><tr><th>Unit</th><th>Kind</th><th>Category</th><th>Charge</th><th>Opened</th><th>Number</th><th>Customer</th><th>Era</th></tr></thead>
          <tbody>
            ${page.units.map(
              (u) => html`<tr class=${unit?.id === u.id ? 'unit selected' : 'unit'} onClick=${() => setUnit(u)}>
                <td>${u.id}</td><td>${u.kind}</td><td>${u.category}</td><td>${u.charge}</td><td>${u.openedAt}</td><td>${u.phoneNumberId}</td><td>${u.customer}</td><td>${u.era}</td>
              </tr>`,
            )}
          </tbody>
        </table>
        <${Pager} pages=${pages} next=${page.next} shown=${page.units.length} total=${page.total} noun="Units" />`}
    <//>
    ${unit && html`<${UnitEvents} wabaId=${wabaId} unit=${unit} />`}
  </section>`;
}

/** One unit's events and the rules that charged it, from its thread's audit trail: each step joined to the rate-card row that priced the unit. */
function UnitEvents({ wabaId, unit }: { wabaId: string; unit: Unit }) {
  const thread = `/accounts/${encodeURIComponent(wabaId)}/threads/${encodeURIComponent(unit.phoneNumberId)}/${encodeURIComponent(unit.customer)}`;
  const loaded = useLoad(() => get<ThreadAnswer>(`/audit${thread}`), [thread]);
  return html`<section class="unit-events">
    <h4>Unit ${unit.id}: its events and the rules that charged it</h4>
    <p><a class="thread-link" href=${`#${thread}`}>The thread's time line</a></p>
    <${Shown} loaded=${loaded}>
      ${({ events, decisions }: ThreadAnswer) => {
        const messages = new Set(unit.messageIds);
        const mine = decisions.filter((d) => d.unitId === unit.id || messages.has(d.messageId));
        const priced = mine.find((d) => d.unitId === unit.id && d.pricedAs)?.pricedAs;
        return html`<table class="events">
            <thead><tr><th>Event</th><th>Message</th><th>Instant</th><th>Position</th></tr></thead>
            <tbody>${events.filter((e) => messages.has(e.data.messageId)).map((e) => html`<tr class="event"><td>${e.type}</td><td>${e.data.messageId}</td><td>${e.data.timestamp}</td><td>${e.position ?? ''}</td></tr>`)}</tbody>
          </table>
          ${priced &&
          html`<p class="priced">Priced <strong>${priced.charge}</strong> at ${priced.unitPrice}${priced.tier ? ` (volume band ${priced.tier})` : ''}${priced.rateCard ? html`, rate card ${priced.rateCard.id} ${priced.rateCard.version}, row <strong>${priced.rateCard.row}</strong>` : ''}</p>`}
          <ol class="decisions">
            ${mine.map((d) => html`<li><strong>${d.rule}</strong> (${d.era ?? 'no era'}, ${d.action}): ${d.explanation}</li>`)}
          </ol>`;
      }}
    <//>
  </section>`;
}
