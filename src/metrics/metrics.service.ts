import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The ledger's Prometheus metrics, on one registry per application (tests boot several). */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly appends = new Counter({ name: 'ledger_appends_total', help: 'Events appended, by source and outcome (appended, duplicate)', labelNames: ['source', 'outcome'], registers: [this.registry] });
  readonly rejections = new Counter({ name: 'ledger_rejections_total', help: 'Requests refused, by problem code', labelNames: ['code'], registers: [this.registry] });
  readonly webhookParked = new Gauge({ name: 'ledger_webhook_items_parked', help: 'Webhook items parked: recorded in the inbox, not yet as commands (GET /webhooks/parked)', registers: [this.registry] });
  readonly webhookItems = new Counter({ name: 'ledger_webhook_items_total', help: 'Webhook messages and statuses, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly projected = new Counter({ name: 'ledger_projection_events_processed_total', help: 'Events the projection runner has processed in this process', registers: [this.registry] });
  readonly projectionEvents = new Gauge({ name: 'ledger_projection_checkpoint_events', help: 'Events behind the projection checkpoint', registers: [this.registry] });
  readonly projectionFailures = new Counter({ name: 'ledger_projection_batch_errors_total', help: 'Projection batches a store error rolled back, tried again', registers: [this.registry] });
  readonly projectionFailed = new Gauge({
    name: 'ledger_projection_failures',
    help: 'Projection failures on record (threads, months or events the engine could not process), by partition and code',
    labelNames: ['partition', 'code'],
    registers: [this.registry],
  });
  readonly projectionLag = new Gauge({ name: 'ledger_projection_lag_seconds', help: 'Age of the oldest event the read models do not reflect yet', registers: [this.registry] });
  readonly projectionLagEvents = new Gauge({
    name: 'ledger_projection_lag_events',
    help: 'Committed events the slowest partition has not reflected yet (counted up to 1,000,000), including those it cannot read yet',
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: 'ledger_http_request_seconds',
    help: 'HTTP request duration',
    labelNames: ['route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
