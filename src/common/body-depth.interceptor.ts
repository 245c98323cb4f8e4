import { Injectable } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { nesting } from './edge-rules.js';
import { LedgerError } from './ledger-error.js';

/** Deeper than any command or Meta payload nests; a deeper body would overflow recursive code before validation could refuse it. */
export const MAX_NESTING = 32;

/** Refuses a body nested deeper than MAX_NESTING before any pipe or handler walks it. */
@Injectable()
export class BodyDepthInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body = context.switchToHttp().getRequest<FastifyRequest>().body;
    // A webhook's body stays bytes here: the inbox processor measures it when it parses it.
    if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && nesting(body, MAX_NESTING) > MAX_NESTING) {
      throw new LedgerError('BODY_TOO_DEEP', `the body nests deeper than ${MAX_NESTING} levels`, 400, 'body');
    }
    return next.handle();
  }
}
