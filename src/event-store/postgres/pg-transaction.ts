import type pg from 'pg';
import { storeTrouble } from '../event-store.errors.js';

/**
 * One transaction on one pooled connection. A connection that failed (lost, timed out, or whose
 * rollback failed) is discarded, not reused; while it is checked out, its 'error' event is heard
 * here, since an unheard one would end the process.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const lost = (error: Error) => (broken = error);
  client.on('error', lost);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (storeTrouble(error) === 'unavailable') broken ??= error as Error;
    else await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
    throw error;
  } finally {
    client.off('error', lost);
    client.release(broken);
  }
}
