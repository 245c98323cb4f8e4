import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../auth/scope.js';
import type { Metrics } from '../metrics/metrics.service.js';
import type { Appended } from './append.js';
import type { Clock } from './clock.js';
import type { CommandContext, Source } from './command-context.js';

export function contextOf(request: FastifyRequest, scope: Scope, clock: Clock, source: Source): CommandContext {
  const header = request.headers['x-correlation-id'];
  return {
    scope,
    source,
    correlationId: typeof header === 'string' && header.length > 0 && header.length <= 128 ? header : randomUUID(),
    recordedAt: clock().toISOString(),
  };
}

/** 201 when something was appended, 200 for a retry that appended nothing. */
export function answer<T extends Appended | readonly Appended[]>(reply: FastifyReply, metrics: Metrics, source: Source, result: T): T {
  const all: readonly Appended[] = Array.isArray(result) ? result : [result as Appended];
  let fresh = 0;
  for (const item of all) {
    if (!item.duplicate) fresh += 1;
  }
  if (fresh) metrics.appends.inc({ source, outcome: 'appended' }, fresh);
  if (all.length - fresh) metrics.appends.inc({ source, outcome: 'duplicate' }, all.length - fresh);
  void reply.status(fresh ? 201 : 200);
  return result;
}
