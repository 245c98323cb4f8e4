import { Inject, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { CLOCK } from '../common/clock.js';
import type { Clock } from '../common/clock.js';
import { LedgerError } from '../common/ledger-error.js';
import { ApiKeys } from './api-key.repository.js';
import { PUBLIC_KEY, ROLES_KEY } from './auth.decorators.js';
import { authenticate } from './early-auth.js';
import type { Role, Scope } from './scope.js';

/** Every route needs a key unless marked public; a route with no roles listed is for admins only. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { scope?: Scope }>();
    // Found on arrival (authenticateOnArrival) for the routes it knows; asked here otherwise.
    const scope = request.scope ?? (await authenticate(this.keys, request, this.clock().getTime()));
    const allowed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? [];
    if (!scope.roles.includes('admin') && !scope.roles.some((role) => allowed.includes(role))) {
      throw new LedgerError('ROLE_FORBIDDEN', `this route needs one of the roles ${['admin', ...allowed].join(', ')}`, 403);
    }
    request.scope = scope;
    return true;
  }

}
