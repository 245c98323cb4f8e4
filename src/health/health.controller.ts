import { InboxState } from '../inbox/inbox-state.js';
import { InboxProcessor } from '../inbox/inbox.processor.js';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { LedgerError } from '../common/ledger-error.js';
import { EventStore } from '../event-store/event-store.port.js';
import type { Position } from '../event-store/position.js';
import { formatPosition, START } from '../event-store/position.js';
import { Metrics } from '../metrics/metrics.service.js';
import { lowest } from '../read-models/processor/checkpoints.js';
import { ReadModelReader } from '../read-models/read-model.reader.js';
import type { ReadModelTables } from '../read-models/read-model.schema.js';
import { Doc } from '../common/api-doc.js';
import { HEALTH, METRICS } from '../common/api-schemas.js';

export interface FailureSummary {
  readonly count: number;
  readonly oldest: { readonly id: string; readonly code: string; readonly message: string; readonly partition: number; readonly firstSeen: string } | null;
}

export interface Health {
  /** `degraded` while projection failures are on record: some account-months are blocked, every other one is current. */
  readonly status: 'ok' | 'degraded';
  readonly store: { readonly kind: string; readonly reachable: true };
  readonly readModels: { readonly reachable: true; readonly projection: string | null };
  readonly projection: {
    /** The lowest partition's checkpoint: every read reflects at least this. */
    readonly position: string;
    readonly ratedPosition: string;
    readonly events: number;
    readonly partitions: number;
    readonly caughtUp: boolean;
    readonly lagSeconds: number;
    /** Committed events past `position`, up to 1,000,000, whether or not the runner can read them yet. */
    readonly lagEvents: number;
    readonly failures: FailureSummary;
  };
  /** Meta's payloads waiting for the inbox processor, and items it parked (GET /webhooks/parked). */
  readonly inbox: { readonly lagPayloads: number; readonly parked: number };
  readonly warnings: readonly string[];
}

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(ReadModelReader) private readonly reader: ReadModelReader,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly inbox: InboxProcessor,
    private readonly parked: InboxState,
  ) {}

  @Doc({ summary: 'Health of the ledger', description: 'Whether the event store and read models answer, how far the projections are (position, rated position, lag, failures) and the webhook inbox (payloads waiting, items parked); `degraded` while projection failures are on record. No key needed.', ok: HEALTH, errors: ['UNHEALTHY'], public: true })
  @Public()
  @Get('health')
  async health(): Promise<Health> {
    const failed = (part: string) => (error: unknown) => {
      throw new LedgerError('UNHEALTHY', `${part} unreachable: ${String(error)}`, 503);
    };
    await this.store.ping().catch(failed(`event store (${this.store.name})`));
    const tables = await this.reader.tables().catch(() => undefined);
    await this.reader.sql.all('SELECT 1').catch(failed('read-model store'));
    const checkpoints = tables ? [...(await this.reader.checkpoints(tables)).values()] : [];
    const slowest = lowest(checkpoints);
    const lag = await this.lag(slowest?.position);
    const failures = tables ? await this.failures(tables) : { count: 0, oldest: null };
    const inbox = { lagPayloads: await this.inbox.lag(), parked: await this.parked.countUnresolved() };
    const warnings = [
      ...(failures.count ? [`${failures.count} projection failure(s): GET /projection/failures`] : []),
      ...(inbox.parked ? [`${inbox.parked} webhook item(s) parked: GET /webhooks/parked`] : []),
    ];
    return {
      status: failures.count ? 'degraded' : 'ok',
      store: { kind: this.store.name, reachable: true },
      readModels: { reachable: true, projection: tables?.version ?? null },
      projection: {
        position: formatPosition(slowest?.position ?? START),
        ratedPosition: formatPosition(lowest(checkpoints, 'rated')?.rated ?? START),
        events: slowest?.events ?? 0,
        partitions: checkpoints.length,
        caughtUp: lag.events === 0,
        lagSeconds: lag.seconds,
        lagEvents: lag.events,
        failures,
      },
      inbox,
      warnings,
    };
  }

  @Doc({ summary: 'Prometheus metrics', description: "Appends by source and outcome, projection lag and failures, webhook items parked, and the process's own figures, in Prometheus' text format.", ok: METRICS, errors: ['UNHEALTHY'], produces: ['text/plain'], public: true })
  @Public()
  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    const tables = await this.reader.tables().catch(() => undefined);
    const checkpoints = tables ? [...(await this.reader.checkpoints(tables)).values()] : [];
    const lag = await this.lag(lowest(checkpoints)?.position);
    this.metrics.projectionLag.set(lag.seconds);
    this.metrics.projectionLagEvents.set(lag.events);
    this.metrics.projectionFailed.reset();
    if (tables) {
      const rows = await this.reader.sql.all<{ partition: number; code: string; n: number | string }>(`SELECT partition, code, COUNT(*) AS n FROM ${tables.failures} GROUP BY partition, code`);
      for (const row of rows) this.metrics.projectionFailed.set({ partition: String(row.partition), code: row.code }, Number(row.n));
    }
    return this.metrics.registry.metrics();
  }

  private async failures(tables: ReadModelTables): Promise<FailureSummary> {
    const [count] = await this.reader.sql.all<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${tables.failures}`);
    const [oldest] = await this.reader.sql.all<{ id: string; code: string; message: string; partition: number; first_seen: string }>(
      `SELECT id, code, message, partition, first_seen FROM ${tables.failures} ORDER BY first_seen, id LIMIT 1`,
    );
    return {
      count: Number(count?.n ?? 0),
      oldest: oldest ? { id: oldest.id, code: oldest.code, message: oldest.message, partition: Number(oldest.partition), firstSeen: oldest.first_seen } : null,
    };
  }

  /**
   * Lag as an auditor feels it: how many committed events the read models miss, and how long ago
   * the oldest of them was recorded, counted against the log's head, so a runner that cannot see
   * new rows (held behind another transaction) shows behind, not caught up.
   */
  private async lag(position: Position | undefined): Promise<{ events: number; seconds: number }> {
    const { events, oldest } = await this.store.unread(position ?? START);
    const at = oldest?.metadata.recordedAt;
    const recorded = typeof at === 'string' ? Date.parse(at) : NaN;
    return { events, seconds: Number.isNaN(recorded) ? 0 : Math.max(0, (this.clock().getTime() - recorded) / 1000) };
  }
}
