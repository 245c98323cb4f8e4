import { Catch, HttpException, Inject } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { EventStoreError, StoreBusy, StoreUnavailable, storeTrouble } from '../event-store/event-store.errors.js';
import { Metrics } from '../metrics/metrics.service.js';
import { LedgerError } from './ledger-error.js';
import type { FieldError } from './ledger-error.js';
import { LOGGER } from './logger.js';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly field?: string;
  /** Every failing field of a refused request, the first of them also in `field`. */
  readonly errors?: readonly FieldError[];
  readonly instance?: string;
}

const STORE_STATUS: Record<string, number> = { EVENT_ID_CONFLICT: 409, WRONG_EXPECTED_REVISION: 409, STORE_UNAVAILABLE: 503, STORE_BUSY: 503 };

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Every error leaves as RFC 9457 problem+json with a stable `code`, whatever raised it. */
export function toProblem(error: unknown): Problem {
  if (error instanceof LedgerError) {
    const errors = error.errors?.length ? error.errors : error.field ? [{ field: error.field, code: error.code, detail: error.message }] : undefined;
    return { ...problem(error.status, error.code, error.message, error.field), ...(errors ? { errors } : {}) };
  }
  if (error instanceof EventStoreError) return problem(STORE_STATUS[error.code] ?? 400, error.code, error.message, error.field);
  // A driver's error that reached here unwrapped (a read, a read model's write): the store, not the request, failed.
  const trouble = storeTrouble(error);
  if (trouble === 'unavailable') return toProblem(new StoreUnavailable(error));
  if (trouble === 'busy') return toProblem(new StoreBusy(error));
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return problem(status, httpCode(status, error), status === 415 ? MEDIA_TYPES : error.message);
  }
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode < 500 && fastify.code?.startsWith('FST_')) {
    if (fastify.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fastify.statusCode === 415) return problem(415, 'UNSUPPORTED_MEDIA_TYPE', MEDIA_TYPES);
    const code = fastify.code.includes('BODY_TOO_LARGE') ? 'BODY_TOO_LARGE' : 'BODY_MALFORMED';
    return problem(fastify.statusCode, code, fastify.message ?? 'the request body could not be read');
  }
  return problem(500, 'INTERNAL', 'the ledger failed to handle this request; nothing was appended unless a position was returned');
}

const MEDIA_TYPES = 'send the body as JSON with Content-Type: application/json (a rate card may also be text/csv)';

/** A specific code for every status the framework may answer by itself, never a generic `HTTP`. */
const HTTP_CODES: Record<number, string> = {
  400: 'BODY_MALFORMED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

function httpCode(status: number, error: HttpException): string {
  return HTTP_CODES[status] ?? (error.name === 'HttpException' ? `HTTP_${status}` : error.name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase());
}

function problem(status: number, code: string, detail: string, field?: string): Problem {
  return {
    type: `https://ledger.invalid/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...(field ? { field } : {}),
  };
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const body = { ...toProblem(error), instance: request.url };
    this.metrics.rejections.inc({ code: body.code });
    if (body.status === 503) this.logger.warn({ err: error, url: request.url, code: body.code }, 'request refused for now');
    else if (body.status >= 500) this.logger.error({ err: error, url: request.url }, 'request failed');
    // Every 503 is worth retrying: the store is back, the read models caught up, the draft settled.
    if (body.status === 503) void reply.header('retry-after', body.code === 'STORE_UNAVAILABLE' ? '2' : '1');
    void reply.status(body.status).header('content-type', 'application/problem+json').send(body);
  }
}
