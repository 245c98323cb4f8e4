import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountContext } from '../../projections/thread/thread.types.js';
import type { Scope } from '../auth/scope.js';
import { inScope } from '../auth/scope.js';
import { LedgerError, notFound } from '../common/ledger-error.js';
import type { EventStore } from '../event-store/event-store.port.js';
import type { Position } from '../event-store/position.js';
import { comparePositions, formatPosition, parsePosition } from '../event-store/position.js';
import type { EngineState } from './engine-state.js';
import type { Checkpoint, ProjectionRegistry } from './read-model.schema.js';
import { ReadModelTables } from './read-model.schema.js';
import type { Sql } from './sql.js';

/** Every read says which log position it reflects. */
export interface Reflecting {
  readonly position: string;
  readonly ratedPosition: string;
  readonly projection: string;
}

/**
 * Reads go to the live projection version. While a new version builds beside it, the old one
 * keeps answering; the switch is one row in the registry.
 */
export class ReadModelReader {
  private live: ReadModelTables | undefined;
  private state: { version: string; settings: string; engine: EngineState } | undefined;

  constructor(
    readonly sql: Sql,
    private readonly registry: ProjectionRegistry,
    readonly store: EventStore,
  ) {}

  /**
   * The runner may be in another thread or process: its engine state is not this one's. The
   * tables' is loaded again only when the checkpoint says settings changed since; a query keeps
   * the state it was handed, so one that loads a newer state meanwhile does not change it.
   */
  private async engineAt(tables: ReadModelTables, checkpoint: Checkpoint): Promise<EngineState> {
    const settings = formatPosition(checkpoint.settings);
    if (this.state?.version !== tables.version || this.state.settings !== settings) {
      this.state = { version: tables.version, settings, engine: await tables.readEngineState(this.sql) };
    }
    return this.state.engine;
  }

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
  async reflecting(minPosition: string | undefined, rated: boolean, timeoutMs = 10_000): Promise<{ tables: ReadModelTables; at: Reflecting; engine: EngineState }> {
    const wanted = minPosition ? parseMin(minPosition) : undefined;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // A fresh version is not live until it first catches up: a caller waiting for a position waits for that too.
      const tables = wanted && Date.now() <= deadline ? await this.tables().catch((error: unknown) => notReady(error)) : await this.tables();
      if (!tables) {
        await sleep(20);
        continue;
      }
      const checkpoint = await tables.readCheckpoint(this.sql);
      const reached = !wanted || comparePositions(rated ? checkpoint.rated : checkpoint.position, wanted) >= 0;
      if (reached) {
        const engine = await this.engineAt(tables, checkpoint);
        return { tables, engine, at: { position: formatPosition(checkpoint.position), ratedPosition: formatPosition(checkpoint.rated), projection: tables.version } };
      }
      if (Date.now() > deadline) {
        throw new LedgerError('POSITION_NOT_REACHED', `the read models are at ${formatPosition(checkpoint.position)}, not yet at ${minPosition}; retry shortly`, 503, 'minPosition');
      }
      await sleep(20);
    }
  }

  async account(tables: ReadModelTables, wabaId: string, scope: Scope): Promise<AccountContext> {
    const rows = inScope(scope, wabaId) ? await this.sql.all<{ data: string }>(`SELECT data FROM ${tables.accounts} WHERE waba_id = ?`, [wabaId]) : [];
    if (!rows[0]) throw notFound('ACCOUNT_UNKNOWN', `no account ${wabaId}`, 'wabaId');
    return JSON.parse(rows[0].data) as AccountContext;
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
