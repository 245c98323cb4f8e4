import type { LedgerConfig } from '../config/ledger.config.js';
import type { EventStore } from '../event-store/event-store.port.js';
import type { RebuildContext } from './rebuild/rebuild.js';
import { LedgerProjectors } from './ledger.projector.js';
import type { Claim } from './processor/leases.js';
import { Leases, workerName } from './processor/leases.js';
import { Processor } from './processor/processor.js';
import { PROJECTION_VERSION, ProjectionRegistry, ReadModelTables } from './read-model.schema.js';
import type { Sql } from './sql.js';

export type ProcessorTuning = Pick<LedgerConfig, 'projectionBatch' | 'projectionCommit' | 'projectionCommitMs' | 'projectionHeldMonths' | 'projectionLeaseMs'>;

export interface ProcessorSetup {
  readonly store: EventStore;
  readonly sql: Sql;
  readonly namespace: string;
  readonly tuning: ProcessorTuning;
  readonly claim: Claim;
  /** The ledger's clock: when a version went live, when a failure was seen. */
  readonly clock?: () => Date;
  readonly settleIntervalMs?: number;
  /** Tests build versions of their own beside the live one. */
  readonly version?: string;
}

export interface LedgerProcessor {
  readonly processor: Processor;
  readonly tables: ReadModelTables;
  readonly registry: ProjectionRegistry;
}

/** The read models' tables of a version, its registry row and its leases, created once by whichever worker comes first. */
export async function prepareVersion(sql: Sql, namespace: string, version = PROJECTION_VERSION, tuning?: Pick<ProcessorTuning, 'projectionLeaseMs'>): Promise<{ tables: ReadModelTables; registry: ProjectionRegistry; leases: Leases }> {
  const tables = new ReadModelTables(namespace, version);
  const registry = new ProjectionRegistry(namespace);
  const leases = new Leases(sql, namespace, version, tables.partitions, workerName(), tuning?.projectionLeaseMs ?? 30_000);
  // A registered version has its tables: creating them again would lock them against the workers
  // writing them (PostgreSQL's CREATE INDEX IF NOT EXISTS takes its lock before it looks).
  if ((await registry.status(sql, version).catch(() => undefined)) !== undefined) return { tables, registry, leases };
  await sql.transaction(async (tx) => {
    // Workers of several processes start together, and PostgreSQL's CREATE ... IF NOT EXISTS can
    // still collide: they take turns under the lock the event store takes for the schema.
    if (tx.dialect === 'postgres') await tx.run(`SELECT pg_advisory_xact_lock(hashtext(?))`, [`ledger-schema-${namespace.slice(0, -1)}`]);
    await registry.create(tx);
    // Another process came first while this one waited for the lock: its workers may be writing already.
    if ((await registry.status(tx, version)) !== undefined) return;
    await tables.create(tx);
    await registry.building(tx, version);
    await leases.create(tx);
  });
  return { tables, registry, leases };
}

/** A processor of the ledger's projections: one worker, in this thread. */
export async function openProcessor(setup: ProcessorSetup): Promise<LedgerProcessor> {
  const clock = setup.clock ?? (() => new Date());
  const { tables, registry, leases } = await prepareVersion(setup.sql, setup.namespace, setup.version, setup.tuning);
  const factory = new LedgerProjectors(tables, setup.sql, setup.store, { heldMonths: setup.tuning.projectionHeldMonths, clock });
  const version = {
    status: (sql: Sql) => registry.status(sql, tables.version),
    goLive: (tx: Sql) => registry.switchTo(tx, tables.version, clock().toISOString()),
  };
  const processor = new Processor(setup.store, setup.sql, tables.checkpoints, leases, factory, version, setup.tuning.projectionLeaseMs, {
    batchSize: setup.tuning.projectionBatch,
    commitEvery: setup.tuning.projectionCommit,
    commitMs: setup.tuning.projectionCommitMs,
    claim: setup.claim,
    ...(setup.settleIntervalMs !== undefined ? { settleIntervalMs: setup.settleIntervalMs } : {}),
  });
  return { processor, tables, registry };
}

/** What a rebuild worker needs, in this thread. */
export async function rebuildContext(setup: Omit<ProcessorSetup, 'claim'>): Promise<RebuildContext> {
  const { tables, leases } = await prepareVersion(setup.sql, setup.namespace, setup.version, setup.tuning);
  return {
    store: setup.store,
    sql: setup.sql,
    tables,
    leases,
    clock: setup.clock ?? (() => new Date()),
    heldMonths: setup.tuning.projectionHeldMonths,
    leaseMs: setup.tuning.projectionLeaseMs,
  };
}

/** Forgets a version's read models: its tables start empty, it is not live until it has caught up again. */
export async function resetVersion(sql: Sql, namespace: string, version = PROJECTION_VERSION): Promise<void> {
  const tables = new ReadModelTables(namespace, version);
  const registry = new ProjectionRegistry(namespace);
  await registry.create(sql);
  await sql.transaction(async (tx) => {
    await tables.drop(tx);
    await tables.create(tx);
    await registry.building(tx, version);
    await tx.run(`UPDATE ${registry.table} SET status = 'building' WHERE version = ?`, [version]);
  });
}
