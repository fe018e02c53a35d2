/**
 * KeyLocks across processes: Postgres transaction-level advisory locks, one per key, taken in sorted order on a
 * connection held while the work runs. A process that dies loses its connection, which frees its locks at once.
 * A lock not granted within `waitMs` fails the work with a message (the caller retries it like any transient
 * failure), so a stuck holder cannot stall the others for ever.
 */
import pg from 'pg';
import { type KeyLocks, lockOrder } from '../shared/keyLocks.ts';

export interface PostgresKeyLocksOptions {
  url: string;
  /** Keeps one deployment's locks apart from another's on the same database (e.g. the store's schema). */
  namespace: string;
  /** Callers holding locks at once (each holds one connection while its work runs). */
  maxConnections?: number;
  waitMs?: number;
}

const LOCK_NOT_AVAILABLE = '55P03';

export function postgresKeyLocks(options: PostgresKeyLocksOptions): KeyLocks {
  const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 4 });
  // An idle connection that fails is dropped by the pool; the next caller opens a new one.
  pool.on('error', () => undefined);
  const waitMs = Math.max(1, Math.round(options.waitMs ?? 60_000));
  return {
    async withLocks<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
      const ordered = lockOrder(keys);
      if (ordered.length === 0) return fn();
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL lock_timeout = ${waitMs}`);
        try {
          await client.query(
            'SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k',
            [ordered.map((key) => `${options.namespace}:${key}`)],
          );
        } catch (error) {
          if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE)
            throw new Error(
              `Another connector process held a lock on ${ordered.length === 1 ? ordered[0] : `one of ${ordered.length} keys`} for more than ${waitMs / 1000} s; the work is tried again later.`,
              { cause: error },
            );
          throw error;
        }
        return await fn();
      } catch (error) {
        broken = true;
        throw error;
      } finally {
        // Ending the transaction frees its advisory locks; a connection that failed is not reused.
        const ended = await client.query(broken ? 'ROLLBACK' : 'COMMIT').then(
          () => true,
          () => false,
        );
        client.release(!ended);
      }
    },
    close: () => pool.end(),
  };
}
