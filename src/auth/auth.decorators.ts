import { createParamDecorator, SetMetadata } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { Role, Scope } from './scope.js';

export const ROLES_KEY = 'ledger:roles';
export const PUBLIC_KEY = 'ledger:public';

/** The roles that may call a route; `admin` may call every route. */
export const Allow = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** No API key: health, metrics, docs, and Meta's webhook (which carries its own signature). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): Scope => {
  return context.switchToHttp().getRequest<{ scope: Scope }>().scope;
});
