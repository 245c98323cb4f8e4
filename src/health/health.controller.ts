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
import { ReadModelReader } from '../read-models/read-model.reader.js';

export interface Health {
  readonly status: 'ok';
  readonly store: { readonly kind: string; readonly reachable: true };
  readonly readModels: { readonly reachable: true; readonly projection: string | null };
  readonly projection: { readonly position: string; readonly ratedPosition: string; readonly events: number; readonly caughtUp: boolean; readonly lagSeconds: number };
}

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(ReadModelReader) private readonly reader: ReadModelReader,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  @Public()
  @Get('health')
  async health(): Promise<Health> {
    const failed = (part: string) => (error: unknown) => {
      throw new LedgerError('UNHEALTHY', `${part} unreachable: ${String(error)}`, 503);
    };
    await this.store.ping().catch(failed(`event store (${this.store.name})`));
    const tables = await this.reader.tables().catch(() => undefined);
    await this.reader.sql.all('SELECT 1').catch(failed('read-model store'));
    const checkpoint = tables ? await tables.readCheckpoint(this.reader.sql) : undefined;
    const lag = await this.lag(checkpoint?.position);
    return {
      status: 'ok',
      store: { kind: this.store.name, reachable: true },
      readModels: { reachable: true, projection: tables?.version ?? null },
      projection: {
        position: formatPosition(checkpoint?.position ?? START),
        ratedPosition: formatPosition(checkpoint?.rated ?? START),
        events: checkpoint?.events ?? 0,
        caughtUp: lag.caughtUp,
        lagSeconds: lag.seconds,
      },
    };
  }

  @Public()
  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    const tables = await this.reader.tables().catch(() => undefined);
    const checkpoint = tables ? await tables.readCheckpoint(this.reader.sql) : undefined;
    this.metrics.projectionLag.set((await this.lag(checkpoint?.position)).seconds);
    return this.metrics.registry.metrics();
  }

  /** Lag as an auditor feels it: how long ago the oldest event the read models miss was recorded. */
  private async lag(position: Position | undefined): Promise<{ caughtUp: boolean; seconds: number }> {
    const [next] = await this.store.readAllPage(position ?? START, 1);
    if (!next) return { caughtUp: true, seconds: 0 };
    const at = next.metadata.recordedAt;
    const recorded = typeof at === 'string' ? Date.parse(at) : NaN;
    return { caughtUp: false, seconds: Number.isNaN(recorded) ? 0 : Math.max(0, (this.clock().getTime() - recorded) / 1000) };
  }
}
