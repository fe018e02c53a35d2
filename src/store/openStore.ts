import { type Clock, systemClock } from '../shared/clock.ts';
import { PostgresDriver } from './postgresDriver.ts';
import type { SqlDriver } from './sqlExecutor.ts';
import { SqliteDriver } from './sqliteDriver.ts';
import { SqlStore } from './sqlStore.ts';
import type { Store } from './store.ts';
import { migrateStore } from './storeMigrations.ts';

export type StoreOptions =
  | { kind: 'sqlite'; path: string; clock?: Clock; busyTimeoutMs?: number }
  | {
      kind: 'postgres';
      url: string;
      /** All tables live in this schema (created when missing). Default: the server's search_path. */
      schema?: string;
      clock?: Clock;
      /** Pool size (default 10). */
      maxConnections?: number;
      /** How long to wait for a connection before failing (default 10000). */
      connectTimeoutMs?: number;
    };

/** The driver for a store location, not yet migrated (openStore migrates it; tests inspect with it). */
export function createDriver(options: StoreOptions): SqlDriver {
  if (options.kind === 'sqlite') {
    return new SqliteDriver({
      path: options.path,
      ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
    });
  }
  const { kind: _kind, clock: _clock, ...postgresOptions } = options;
  return new PostgresDriver(postgresOptions);
}

/** Opens the store, applies pending migrations and returns it ready to use. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const clock = options.clock ?? systemClock;
  const driver = createDriver(options);
  try {
    await migrateStore(driver, clock);
  } catch (error) {
    await driver.close().catch(() => undefined);
    throw error;
  }
  return new SqlStore(driver, clock);
}
