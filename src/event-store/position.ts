/**
 * A place in the global commit order. Two numbers, as EventStoreDB has them: SQLite uses its
 * row id for both, PostgreSQL the writing transaction's id and then the row's sequence number.
 * Positions compare by commit, then prepare.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const START: Position = Object.freeze({ commit: 0n, prepare: 0n });

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function formatPosition(position: Position): string {
  return `${position.commit}/${position.prepare}`;
}

export function parsePosition(text: string): Position {
  const match = /^(\d{1,20})\/(\d{1,20})$/.exec(text);
  if (!match) throw new RangeError(`not a position: ${text} (expected COMMIT/PREPARE)`);
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}
