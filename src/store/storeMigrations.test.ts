import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll, storeBackends } from '../../test/support/testStores.ts';
import type { StoreOptions } from './openStore.ts';
import { createDriver, openStore } from './openStore.ts';
import { loadMigrations } from './storeMigrations.ts';

const backends = storeBackends();
afterAll(() => cleanupAll(backends));

async function appliedMigrations(location: StoreOptions): Promise<{ version: number; appliedAt: string }[]> {
  const driver = createDriver(location);
  try {
    const rows = await driver.executor.query<{ version: unknown; applied_at: unknown }>(
      'SELECT version, applied_at FROM schema_migrations ORDER BY version',
    );
    return rows.map((row) => ({ version: Number(row.version), appliedAt: String(row.applied_at) }));
  } finally {
    await driver.close();
  }
}

describe('migration files', () => {
  it('exist for both dialects with the same versions, numbered from 1 without gaps', () => {
    const sqlite = loadMigrations('sqlite').map((migration) => migration.version);
    const postgres = loadMigrations('postgres').map((migration) => migration.version);
    expect(sqlite.length).toBeGreaterThan(0);
    expect(postgres).toEqual(sqlite);
    expect(sqlite).toEqual(sqlite.map((_, index) => index + 1));
  });
});

for (const backend of backends) {
  describe(`migrations on ${backend.name}`, () => {
    const versions = loadMigrations(backend.name).map((migration) => migration.version);

    it('applies every migration at the first open and nothing when reopened', async () => {
      const location = backend.newLocation();
      await (await openStore(location)).close();
      const first = await appliedMigrations(location);
      expect(first.map((row) => row.version)).toEqual(versions);
      const reopened = await openStore(location);
      await reopened.cursors.set('c', 'source', 'still works');
      await reopened.close();
      expect(await appliedMigrations(location)).toEqual(first);
    });

    it('applies each migration once when several openers start on a new store at once', async () => {
      const location = backend.newLocation();
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(location)));
      await Promise.all(stores.map((store, index) => store.cursors.set('c', `opener-${index}`, 'x')));
      await Promise.all(stores.map((store) => store.close()));
      expect((await appliedMigrations(location)).map((row) => row.version)).toEqual(versions);
    });

    it('refuses a database written by a newer build, saying what to do', async () => {
      const location = backend.newLocation();
      await (await openStore(location)).close();
      const driver = createDriver(location);
      await driver.executor.execute(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
        [9999, 'from_the_future', '2030-01-01T00:00:00.000Z'],
      );
      await driver.close();
      await expect(openStore(location)).rejects.toThrow(
        /schema version 9999, newer than this cosell build.*upgrade cosell/,
      );
    });
  });
}
