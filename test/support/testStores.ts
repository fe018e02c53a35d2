/**
 * Real stores for tests: a fresh SQLite file in a temp directory, and — when DATABASE_URL is set —
 * a fresh Postgres schema. Each `open()` is isolated from every other; `cleanup()` closes what was
 * opened and deletes the files / drops the schemas.
 *
 *   const backends = storeBackends();
 *   afterAll(() => cleanupAll(backends));
 *   for (const backend of backends) it(`… on ${backend.name}`, async () => { const store = await backend.open(); … });
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Clock } from '../../src/shared/clock.ts';
import { openStore, type StoreOptions } from '../../src/store/openStore.ts';
import type { Store } from '../../src/store/store.ts';

export type StoreLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; schema: string };

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh isolated place for a store (SQLite file path / Postgres schema), removed by cleanup(). */
  newLocation(): StoreLocation;
  /** Opens a migrated store at `location` (default: a fresh one). */
  open(options?: { location?: StoreLocation; clock?: Clock }): Promise<Store>;
  /** Closes every store this backend opened and removes every location it handed out. */
  cleanup(): Promise<void>;
}

/** The Postgres URL tests use, or undefined when DATABASE_URL is not set. */
export function testDatabaseUrl(): string | undefined {
  const url = process.env['DATABASE_URL'];
  return url === undefined || url === '' ? undefined : url;
}

/**
 * Says why Postgres tests do not run, or throws when they must: in CI (env CI set) a missing
 * DATABASE_URL is a failure, never a silent skip.
 */
export function postgresSkipReason(): string | undefined {
  if (testDatabaseUrl() !== undefined) return undefined;
  if (process.env['CI']) {
    throw new Error('CI is set but DATABASE_URL is not: Postgres tests would be skipped. Set DATABASE_URL.');
  }
  return 'DATABASE_URL is not set: Postgres tests did not run (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test).';
}

let sequence = 0;
function uniqueSuffix(): string {
  sequence += 1;
  return `${process.pid}_${Date.now().toString(36)}_${sequence}_${Math.random().toString(36).slice(2, 8)}`;
}

function createBackend(
  name: StoreBackend['name'],
  newLocation: () => StoreLocation,
  removeLocation: (location: StoreLocation) => Promise<void>,
): StoreBackend {
  const locations: StoreLocation[] = [];
  const stores: Store[] = [];
  return {
    name,
    newLocation() {
      const location = newLocation();
      locations.push(location);
      return location;
    },
    async open(options = {}) {
      const location = options.location ?? this.newLocation();
      const storeOptions: StoreOptions =
        options.clock === undefined ? location : { ...location, clock: options.clock };
      const store = await openStore(storeOptions);
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      for (const location of locations.splice(0)) await removeLocation(location);
    },
  };
}

export function sqliteBackend(): StoreBackend {
  return createBackend(
    'sqlite',
    () => ({ kind: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'cosell-store-')), 'store.db') }),
    async (location) => {
      if (location.kind === 'sqlite') rmSync(join(location.path, '..'), { recursive: true, force: true });
    },
  );
}

/** Drops Postgres schemas (and everything in them) if they exist. */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A connector's schemas: its store's and its queue's (`<schema>_queue`, as src/app.ts names it). */
export const connectorSchemas = (schema: string): string[] => [schema, `${schema}_queue`];

export function postgresBackend(url: string): StoreBackend {
  return createBackend(
    'postgres',
    () => ({ kind: 'postgres', url, schema: `test_${uniqueSuffix()}` }),
    async (location) => {
      if (location.kind === 'postgres') await dropSchemas(location.url, [location.schema ?? 'public']);
    },
  );
}

/** SQLite always; Postgres too when DATABASE_URL is set. */
export function storeBackends(): StoreBackend[] {
  const url = testDatabaseUrl();
  return url === undefined ? [sqliteBackend()] : [sqliteBackend(), postgresBackend(url)];
}

export async function cleanupAll(backends: readonly StoreBackend[]): Promise<void> {
  await Promise.all(backends.map((backend) => backend.cleanup()));
}
