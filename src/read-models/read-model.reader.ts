import type { FreeTierUse } from '../../projections/rating/free-tiers.js';
import type { InvoiceDraft } from '../../projections/rating/rating.projection.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountContext } from '../../projections/thread/thread.types.js';
import type { Scope } from '../auth/scope.js';
import { inScope } from '../auth/scope.js';
import { LedgerError, notFound } from '../common/ledger-error.js';
import type { EventStore } from '../event-store/event-store.port.js';
import type { Position } from '../event-store/position.js';
import { comparePositions, formatPosition, parsePosition } from '../event-store/position.js';
import type { Checkpoint } from './processor/checkpoints.js';
import { lowest } from './processor/checkpoints.js';
import type { ProjectionRegistry } from './read-model.schema.js';
import { ReadModelTables } from './read-model.schema.js';
import type { EngineState } from './settings/engine-state.js';
import { SettingsProjection } from './settings/settings.projection.js';
import type { Sql } from './sql.js';

/** Every read says which log position it reflects. */
export interface Reflecting {
  readonly position: string;
  readonly ratedPosition: string;
  readonly projection: string;
}

export interface Reflected {
  readonly tables: ReadModelTables;
  readonly at: Reflecting;
  /** Accounts, cards and maps as of the checkpoint the read reflects. */
  readonly engine: EngineState;
}

/**
 * Reads go to the live projection version. While a new version builds beside it, the old one
 * keeps answering; the switch is one row in the registry. A read about one account reflects its
 * partition's checkpoint; any other read, the lowest of all partitions'.
 */
export class ReadModelReader {
  private live: ReadModelTables | undefined;
  /** Engine states by version and settings position, the few most recently used. */
  private readonly states = new Map<string, EngineState>();

  constructor(
    readonly sql: Sql,
    private readonly registry: ProjectionRegistry,
    readonly store: EventStore,
  ) {}

  async tables(): Promise<ReadModelTables> {
    const version = await this.registry.live(this.sql);
    if (!version) throw new LedgerError('PROJECTION_NOT_READY', 'the read models are still being built; retry shortly', 503);
    if (this.live?.version !== version) this.live = new ReadModelTables(this.registry.namespace, version);
    return this.live;
  }

  /**
   * Waits until the read models reflect a position a write returned (drafts: until they are
   * rated up to it), and hands over the accounts, cards and maps of that checkpoint. Gives up
   * after the timeout with a 503 the caller can retry.
   */
  async reflecting(minPosition: string | undefined, rated: boolean, wabaId?: string, timeoutMs = 10_000): Promise<Reflected> {
    const wanted = minPosition ? parseMin(minPosition) : undefined;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // A fresh version is not live until it first catches up: a caller waiting for a position waits for that too.
      const tables = wanted && Date.now() <= deadline ? await this.tables().catch((error: unknown) => notReady(error)) : await this.tables();
      if (!tables) {
        await sleep(20);
        continue;
      }
      const checkpoint = await this.checkpointOf(tables, wabaId, rated);
      const reached = !wanted || comparePositions(rated ? checkpoint.rated : checkpoint.position, wanted) >= 0;
      if (reached) {
        const engine = await this.engineAt(tables, checkpoint.settings);
        return { tables, engine, at: { position: formatPosition(checkpoint.position), ratedPosition: formatPosition(checkpoint.rated), projection: tables.version } };
      }
      if (Date.now() > deadline) {
        throw new LedgerError('POSITION_NOT_REACHED', `the read models are at ${formatPosition(checkpoint.position)}, not yet at ${minPosition}; retry shortly`, 503, 'minPosition');
      }
      await sleep(20);
    }
  }

  /** The account as of the read's checkpoint; outside the caller's scope it is absent, as an unknown one. */
  /** The free allowances a month's draft used: which of its units were rated `free_tier`. */
  async freeTiers(tables: ReadModelTables, wabaId: string, period: string): Promise<readonly FreeTierUse[]> {
    return (await this.draft(tables, wabaId, period))?.freeTiers ?? [];
  }

  /** A month's stored draft, as last rated. */
  async draft(tables: ReadModelTables, wabaId: string, period: string): Promise<InvoiceDraft | undefined> {
    const [row] = await this.sql.all<{ data: string }>(`SELECT data FROM ${tables.drafts} WHERE waba_id = ? AND period = ?`, [wabaId, period]);
    return row && (JSON.parse(row.data) as InvoiceDraft);
  }

  account(engine: EngineState, wabaId: string, scope: Scope): AccountContext {
    const account = inScope(scope, wabaId) ? engine.accounts.get(wabaId) : undefined;
    if (!account) throw notFound('ACCOUNT_UNKNOWN', `no account ${wabaId}`, 'wabaId');
    return account;
  }

  /** Every partition's checkpoint; the lowest of them is where the read models as a whole stand. */
  async checkpoints(tables: ReadModelTables): Promise<Map<number, Checkpoint>> {
    return tables.checkpoints.read(this.sql);
  }

  /** The checkpoint of the WABA's partition (its portfolio's, as the latest settings know it), or the lowest of all. */
  private async checkpointOf(tables: ReadModelTables, wabaId: string | undefined, rated: boolean): Promise<Checkpoint> {
    const all = await this.checkpoints(tables);
    if (wabaId !== undefined) {
      const newest = [...all.values()].reduce((a, b) => (comparePositions(b.settings, a.settings) > 0 ? b : a));
      const partition = (await this.engineAt(tables, newest.settings)).partitionOf(wabaId);
      const own = partition === undefined ? undefined : all.get(partition);
      if (own) return own;
    }
    return lowest(all.values(), rated ? 'rated' : 'position')!;
  }

  /**
   * The runner may be in another thread or process: its engine state is not this one's. A state
   * is loaded once per settings position; a query keeps the state it was handed.
   */
  private async engineAt(tables: ReadModelTables, settings: Position): Promise<EngineState> {
    const key = `${tables.version} ${formatPosition(settings)}`;
    let state = this.states.get(key);
    if (!state) {
      state = await new SettingsProjection(tables).load(this.sql, settings);
      if (this.states.size >= 4) this.states.delete(this.states.keys().next().value!);
    }
    this.states.delete(key);
    this.states.set(key, state);
    return state;
  }
}

function notReady(error: unknown): undefined {
  if (error instanceof LedgerError && error.code === 'PROJECTION_NOT_READY') return undefined;
  throw error;
}

function parseMin(text: string): Position {
  try {
    return parsePosition(text);
  } catch {
    throw new LedgerError('VALIDATION_FAILED', `minPosition: must be a position COMMIT/PREPARE as a write returned it, got ${text}`, 400, 'minPosition');
  }
}
