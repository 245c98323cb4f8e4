import { useEffect, useRef, useState } from 'preact/hooks';
import * as echarts from 'echarts/core';
import { CustomChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { CustomSeriesRenderItemAPI, CustomSeriesRenderItemParams } from 'echarts/types/dist/shared';
import { DateTime } from 'luxon';
import { get } from './api.js';
import { html, Shown, useLoad } from './load.js';
import type { WindowBar } from '../../projections/audit/window-bars.js';
import type { ExplainedDecision } from '../../projections/audit/explain.js';

echarts.use([CustomChart, ScatterChart, GridComponent, TooltipComponent, DataZoomComponent, SVGRenderer]);

type Bar = WindowBar;

type Decision = ExplainedDecision;

interface ThreadAudit {
  readonly bars: readonly Bar[];
  readonly decisions: readonly Decision[];
}

const LANE = { customer_service: 'Customer service window', free_entry_point: 'Free entry point' } as const;
const laneOf = (bar: Bar) => (bar.kind === 'conversation' ? `Conversation: ${bar.category ?? ''}` : LANE[bar.kind]);
const MESSAGES = 'Messages and statuses';
const COLORS: Record<Bar['kind'], string> = { customer_service: '#4f8fd6', free_entry_point: '#3aa675', conversation: '#e0a030' };
const charged = (d: Decision) => d.action === 'charged';

/**
 * The axis runs on the account's wall clock: each instant is moved by its zone's offset and the
 * chart reads it as UTC, so its ticks fall on local midnights and hours, as the months and
 * effective dates do (a day across a DST change is 23 or 25 hours wide, as its clock reads).
 */
function wallClock(timezone: string): (ms: number) => number {
  return (ms) => ms + DateTime.fromMillis(ms, { zone: timezone }).offset * 60_000;
}

/** Instants in the account's own time zone: the zone its months and windows are dated in. */
function localTime(timezone: string): (ms: number) => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
  return (ms) => format.format(ms).replace(',', '');
}

/** One thread's windows as bars on a time axis in the account's local time, its events as marks, the charged ones highlighted. */
export function ThreadPage({ wabaId, phoneNumberId, customer }: { wabaId: string; phoneNumberId: string; customer: string }) {
  const path = `/audit/accounts/${encodeURIComponent(wabaId)}/threads/${encodeURIComponent(phoneNumberId)}/${encodeURIComponent(customer)}`;
  const loaded = useLoad(async () => ({ audit: await get<ThreadAudit>(path), account: await get<{ registered: { timezone: string } }>(`/accounts/${encodeURIComponent(wabaId)}`) }), [path]);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  return html`<p class="crumbs"><a href="#/accounts">Accounts</a> › <a href=${`#/accounts/${encodeURIComponent(wabaId)}`}>${wabaId}</a> › ${phoneNumberId} / ${customer}</p>
    <h2>Thread ${phoneNumberId} · ${customer}</h2>
    <form class="span" onSubmit=${(e: Event) => e.preventDefault()}>
      <label>From <input type="date" name="from" value=${from} onInput=${(e: Event) => setFrom((e.target as HTMLInputElement).value)} /></label>
      <label>To <input type="date" name="to" value=${to} onInput=${(e: Event) => setTo((e.target as HTMLInputElement).value)} /></label>
    </form>
    <${Shown} loaded=${loaded}>
      ${({ audit, account }: { audit: ThreadAudit; account: { registered: { timezone: string } } }) => {
        const start = from ? Date.parse(`${from}T00:00:00Z`) - 86_400_000 : -Infinity;
        const end = to ? Date.parse(`${to}T00:00:00Z`) + 2 * 86_400_000 : Infinity;
        const bars = audit.bars.filter((b) => Date.parse(b.to) >= start && Date.parse(b.from) <= end);
        const decisions = audit.decisions.filter((d) => Date.parse(d.at) >= start && Date.parse(d.at) <= end);
        return html`<${Timeline} bars=${bars} decisions=${decisions} timezone=${account.registered.timezone} />`;
      }}
    <//>`;
}

function Timeline({ bars, decisions, timezone }: { bars: readonly Bar[]; decisions: readonly Decision[]; timezone: string }) {
  const chart = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState<Decision | null>(null);
  const local = localTime(timezone);
  const wall = wallClock(timezone);
  const lanes = [...new Set([LANE.customer_service, LANE.free_entry_point, ...bars.map(laneOf)]), MESSAGES];
  useEffect(() => {
    if (!chart.current) return;
    const instance = echarts.init(chart.current, undefined, { renderer: 'svg' });
    instance.setOption({
      animation: false,
      useUTC: true,
      grid: { left: 200, right: 30, top: 20, bottom: 70 },
      tooltip: { trigger: 'item' },
      dataZoom: [{ type: 'slider', xAxisIndex: 0, bottom: 20 }, { type: 'inside', xAxisIndex: 0 }],
      xAxis: {
        type: 'time',
        axisLabel: { hideOverlap: true, formatter: { year: '{yyyy}', month: '{yyyy}-{MM}', day: '{yyyy}-{MM}-{dd}', hour: '{HH}:{mm}', minute: '{HH}:{mm}', second: '{HH}:{mm}:{ss}' } },
        splitLine: { show: true, lineStyle: { color: '#eef1f5' } },
      },
      yAxis: { type: 'category', data: lanes, inverse: true },
      series: [
        {
          type: 'custom',
          name: 'windows',
          encode: { x: [1, 2], y: 0 },
          data: bars.map((b) => ({ value: [lanes.indexOf(laneOf(b)), wall(Date.parse(b.from)), wall(Date.parse(b.to))], itemStyle: { color: COLORS[b.kind] }, name: `${laneOf(b)}: ${local(Date.parse(b.from))} → ${local(Date.parse(b.to))}` })),
          renderItem: (_params: CustomSeriesRenderItemParams, api: CustomSeriesRenderItemAPI) => {
            const lane = api.value(0);
            const left = api.coord([api.value(1), lane]);
            const right = api.coord([api.value(2), lane]);
            const height = (api.size?.([0, 1]) as number[])[1]! * 0.5;
            return { type: 'rect', shape: { x: left[0]!, y: left[1]! - height / 2, width: Math.max(right[0]! - left[0]!, 2), height }, style: api.style() };
          },
        },
        {
          type: 'scatter',
          name: 'events',
          symbolSize: (value: number[]) => (value[2] ? 16 : 9),
          data: decisions.map((d) => ({
            value: [wall(Date.parse(d.at)), MESSAGES, charged(d) ? 1 : 0],
            itemStyle: { color: charged(d) ? '#c0392b' : '#5a6475' },
            name: `${d.event} ${d.messageId} ${local(Date.parse(d.at))}${charged(d) ? ' (charged)' : ''}`,
          })),
        },
      ],
    });
    instance.on('click', (event) => {
      if (event.seriesName === 'events' && typeof event.dataIndex === 'number') setOpen(decisions[event.dataIndex] ?? null);
    });
    return () => instance.dispose();
  }, [bars, decisions, timezone]);
  return html`<div class="timeline" ref=${chart} style="height: ${120 + lanes.length * 48}px"></div>
    <p class="hint">Times in ${timezone}. Bars: windows open; marks: the thread's events, charged ones larger and red. Click a mark for its event.</p>
    ${open && html`<${EventCard} decision=${open} local=${local} />`}
    <h3>Windows</h3>
    <table class="bars">
      <thead><tr><th>Window</th><th>From</th><th>To</th><th>Unit</th></tr></thead>
      <tbody>${bars.map((b) => html`<tr class=${`bar ${b.kind}`}><td>${laneOf(b)}</td><td>${local(Date.parse(b.from))}</td><td>${local(Date.parse(b.to))}</td><td>${b.unitId ?? ''}</td></tr>`)}</tbody>
    </table>
    <h3>Events</h3>
    <table class="marks">
      <thead><tr><th>Instant</th><th>Event</th><th>Message</th><th>Rule</th><th>Action</th></tr></thead>
      <tbody>
        ${decisions.map(
          (d) => html`<tr class=${charged(d) ? 'mark charged' : 'mark'} onClick=${() => setOpen(d)}><td>${local(Date.parse(d.at))}</td><td>${d.event}</td><td>${d.messageId}</td><td>${d.rule}</td><td>${d.action}</td></tr>`,
        )}
      </tbody>
    </table>`;
}

function EventCard({ decision, local }: { decision: Decision; local: (ms: number) => string }) {
  return html`<section class="event-card" role="region" aria-label="event">
    <h4>${decision.event} ${decision.messageId}</h4>
    <p>${local(Date.parse(decision.at))} · position ${decision.position ?? '-'} · era ${decision.era ?? '-'} · rule <strong>${decision.rule}</strong> · ${decision.action}${decision.unitId ? ` · unit ${decision.unitId}` : ''}${decision.pricedAs ? ` · ${decision.pricedAs.charge} at ${decision.pricedAs.unitPrice}` : ''}</p>
    <p>${decision.explanation}</p>
  </section>`;
}
