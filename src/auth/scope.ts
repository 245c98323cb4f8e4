export type Role = 'ingest' | 'billing' | 'auditor' | 'admin';

export const ROLES: readonly Role[] = ['ingest', 'billing', 'auditor', 'admin'];

/** Who is calling: the key's id (recorded as the actor), its roles, and the WABAs it may touch (null: all). */
export interface Scope {
  readonly actor: string;
  readonly roles: readonly Role[];
  readonly wabas: readonly string[] | null;
}

export const SYSTEM: Scope = { actor: 'system', roles: ['admin'], wabas: null };

export function inScope(scope: Scope, wabaId: string): boolean {
  return scope.wabas === null || scope.wabas.includes(wabaId);
}
