import { resolve } from 'node:path';
import { AsyncMutex } from './asyncMutex.ts';

/**
 * One mutex per SQLite file per process. Two better-sqlite3 handles on one file in one process
 * must not wait for each other's write lock through busy_timeout: that wait blocks the only
 * thread, so the holder can never finish. Handles of the same file share this mutex instead;
 * other processes are still kept out by the file lock and busy_timeout.
 */
const locks = new Map<string, { mutex: AsyncMutex; users: number }>();

export function acquireSqliteFileLock(path: string): { mutex: AsyncMutex; release: () => void } {
  if (path === ':memory:' || path === '') return { mutex: new AsyncMutex(), release: () => undefined };
  const key = resolve(path);
  let entry = locks.get(key);
  if (!entry) {
    entry = { mutex: new AsyncMutex(), users: 0 };
    locks.set(key, entry);
  }
  entry.users += 1;
  const held = entry;
  let released = false;
  return {
    mutex: held.mutex,
    release: () => {
      if (released) return;
      released = true;
      held.users -= 1;
      if (held.users === 0 && locks.get(key) === held) locks.delete(key);
    },
  };
}
