/**
 * Locks on named keys that several processes can share: work that must not run twice at once for one key (e.g.
 * creating a new customer's Salesforce account) runs inside `withLocks`. With a SQLite store there is one
 * process, and the in-process locks below are enough; with Postgres, src/store/postgresKeyLocks.ts holds
 * advisory locks, so every `cosell worker` of the cluster waits for the others.
 */
import { AsyncMutex } from '../store/asyncMutex.ts';

export interface KeyLocks {
  /** Runs fn while holding every key's lock (taken in sorted order, so two callers never deadlock). */
  withLocks<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Distinct keys in the one order every caller takes them in. */
export const lockOrder = (keys: readonly string[]): string[] => [...new Set(keys)].sort();

/** Locks that hold within this process only. */
export function processKeyLocks(): KeyLocks {
  const locks = new Map<string, { mutex: AsyncMutex; users: number }>();
  const withOne = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const entry = locks.get(key) ?? { mutex: new AsyncMutex(), users: 0 };
    entry.users += 1;
    locks.set(key, entry);
    try {
      return await entry.mutex.run(fn);
    } finally {
      entry.users -= 1;
      if (entry.users === 0) locks.delete(key);
    }
  };
  return {
    withLocks<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
      return lockOrder(keys).reduceRight<() => Promise<T>>((inner, key) => () => withOne(key, inner), fn)();
    },
    close: async () => undefined,
  };
}
