import { AccountTerms } from '../../../projections/accounts/account-terms.js';
import type { PolicyTimeline } from '../../../projections/policies/timeline.js';
import type { StoredEvent } from '../../event-store/event-store.port.js';
import type { Position } from '../../event-store/position.js';
import type { Writes } from '../processor/writes.js';
import type { ReadModelTables } from '../read-model.schema.js';
import type { Sql } from '../sql.js';
import { formatPosition } from '../../event-store/position.js';
import type { FailureLog } from '../failures/failure-log.js';
import { faultOf } from '../failures/failure-log.js';
import type { Applied } from './engine-state.js';
import { EngineState } from './engine-state.js';

/**
 * Accounts, numbers, rate cards and market maps reach every partition. Each is kept once, in log
 * order, as it was applied; a partition's engine state at its checkpoint is the prefix up to it,
 * and a reader's is the prefix up to the checkpoint it reads. Every partition's owner writes the
 * events it applies and the first one stands: the same event gives the same row.
 */
export class SettingsProjection {
  constructor(private readonly tables: ReadModelTables) {}

  /**
   * Applies a setting to the state and queues its row. One the state refuses, or that breaks
   * applying it, is left out everywhere; the partition of the WABA it names (partition 0 for cards
   * and maps) records it, blocking what it reaches.
   */
  apply(state: EngineState, event: StoredEvent, writes: Writes, failures: FailureLog, partitions: ReadonlySet<number>): Applied | undefined {
    let applied: Applied | undefined;
    try {
      applied = state.apply(event);
    } catch (error) {
      refused(state, event, error, writes, failures, partitions);
      return undefined;
    }
    if (!applied) return undefined;
    writes.insertMany(this.tables.settings, ['commit_pos', 'prepare_pos', 'type', 'data'], [[event.position.commit, event.position.prepare, event.type, JSON.stringify(event.data)]], 'ON CONFLICT DO NOTHING');
    return applied;
  }

  /** The engine state of everything applied up to a position. */
  async load(sql: Sql, upTo: Position, timeline?: PolicyTimeline): Promise<EngineState> {
    const state = new EngineState(timeline);
    const rows = await sql.all<{ type: string; data: string }>(
      `SELECT type, data FROM ${this.tables.settings} WHERE commit_pos < ? OR (commit_pos = ? AND prepare_pos <= ?) ORDER BY commit_pos, prepare_pos`,
      [upTo.commit, upTo.commit, upTo.prepare],
    );
    for (const row of rows) state.apply({ type: row.type, data: JSON.parse(row.data) as unknown });
    return state;
  }
}

function refused(state: EngineState, event: StoredEvent, error: unknown, writes: Writes, failures: FailureLog, partitions: ReadonlySet<number>): void {
  const data = event.data as { wabaId?: unknown; rateCardId?: unknown } | null;
  const wabaId = typeof data?.wabaId === 'string' ? data.wabaId : undefined;
  const partition = (wabaId !== undefined ? state.partitionOf(wabaId) : undefined) ?? 0;
  if (!partitions.has(partition)) return;
  const reached = wabaId !== undefined ? [wabaId] : [...state.accounts.values()].filter((a) => data?.rateCardId === undefined || AccountTerms.of(a).rateCards().has(data.rateCardId as string)).map((a) => a.wabaId);
  const { code, message } = faultOf(error, 'SETTING_FAILED');
  const position = formatPosition(event.position);
  failures.record(writes, {
    kind: 'event',
    subject: `${event.stream}@${position}`,
    partition,
    position,
    stream: event.stream,
    eventType: event.type,
    code,
    message,
    blocks: reached.map((waba) => ({ wabaId: waba, period: '*' })),
    ...(wabaId !== undefined ? { wabaId } : {}),
  });
}
