import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import type { INestApplication } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../common/clock.js';
import { LedgerError } from '../common/ledger-error.js';
import { ApiKeys } from './api-key.repository.js';
import { PUBLIC_KEY } from './auth.decorators.js';
import type { Scope } from './scope.js';

/** The key a request presents: `Authorization: Bearer <key>` (the scheme in any case, RFC 9110) or `X-API-Key`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (bearer) return bearer[1];
  const key = request.headers['x-api-key'];
  return typeof key === 'string' ? key : undefined;
}

/** The scope of the key a request presents, or UNAUTHENTICATED: the same answer on arrival and in the guard. */
export async function authenticate(keys: ApiKeys, request: FastifyRequest, nowMs: number): Promise<Scope> {
  const key = presentedKey(request);
  if (!key) throw new LedgerError('UNAUTHENTICATED', 'an API key is required: Authorization: Bearer <key> (or X-API-Key)', 401);
  const scope = await keys.authenticate(key, nowMs);
  if (!scope) throw new LedgerError('UNAUTHENTICATED', 'this API key is unknown or revoked', 401);
  return scope;
}

const join = (...parts: (string | string[] | undefined)[]): string =>
  `/${parts
    .flatMap((p) => (Array.isArray(p) ? p[0] : p) ?? '')
    .join('/')
    .split('/')
    .filter(Boolean)
    .join('/')}`;

/** `METHOD /path/:param` of every Nest route that needs a key, as fastify names its routes. */
function protectedRoutes(app: INestApplication): Set<string> {
  const discovery = app.get(DiscoveryService);
  const reflector = app.get(Reflector);
  const scanner = app.get(MetadataScanner);
  const routes = new Set<string>();
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype;
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!type || !instance) continue;
    const base = Reflect.getMetadata(PATH_METADATA, type) as string | string[] | undefined;
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
      const handler = instance[name] as (...args: unknown[]) => unknown;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (path === undefined) continue;
      if (reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [handler, type])) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      routes.add(`${method} ${join(base, path)}`);
    }
  }
  return routes;
}

/**
 * Authenticates on arrival, before the body is read or parsed: a request without a valid key to
 * a route that needs one costs no parsing, whatever it carries. The guard then checks the roles
 * of the scope found here.
 */
export function authenticateOnArrival(app: INestApplication, fastify: FastifyInstance, clock: Clock): void {
  const keys = app.get(ApiKeys);
  let routes: Set<string> | undefined;
  fastify.addHook('onRequest', async (request: FastifyRequest & { scope?: Scope }) => {
    routes ??= protectedRoutes(app);
    if (!routes.has(`${request.method} ${request.routeOptions.url ?? ''}`)) return;
    request.scope = await authenticate(keys, request, clock().getTime());
  });
}
