import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeReportContract } from '../../test/support/reportContract.ts';
import { describeStoreContract, newLinkFixture } from '../../test/support/storeContract.ts';
import { sqliteBackend } from '../../test/support/testStores.ts';
import { openStore } from './openStore.ts';
import { SqliteDriver } from './sqliteDriver.ts';
import { loadMigrations } from './storeMigrations.ts';

const backend = sqliteBackend();
afterAll(() => backend.cleanup());

describeStoreContract('sqlite', ({ clock }) => backend.open({ clock }));
describeReportContract('sqlite', ({ clock }) => backend.open({ clock }));

describe('SQLite store specifics', () => {
  it('creates a missing directory for the database file', async () => {
    const location = backend.newLocation();
    if (location.kind !== 'sqlite') throw new Error('expected a sqlite location');
    const path = join(location.path, '..', 'nested', 'deeper', 'store.db');
    const store = await openStore({ kind: 'sqlite', path });
    await store.links.insert(newLinkFixture({ referralId: 'r', salesforceObject: 'lead' }));
    await store.close();
    expect(existsSync(path)).toBe(true);
  });

  it('says what to do when another process holds the write lock past the busy timeout', async () => {
    const location = backend.newLocation();
    if (location.kind !== 'sqlite') throw new Error('expected a sqlite location');
    const store = await openStore({ ...location, busyTimeoutMs: 50 });
    // A second connection, as another process would hold it (its own handle, outside our per-file mutex).
    const other = new Database(location.path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const attempt = store.transaction(async (tx) => tx.cursors.set('c', 's', 'v'));
      await expect(attempt).rejects.toMatchObject({ kind: 'transient', upstream: 'store' });
      await expect(attempt).rejects.toThrow(
        /stayed locked by another process for over 50 ms: run one cosell process/,
      );
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await store.transaction(async (tx) => tx.cursors.set('c', 's', 'v'));
    expect(await store.cursors.get('c', 's')).toBe('v');
  });

  it('says what to check when the file cannot be opened as a store', async () => {
    const location = backend.newLocation();
    if (location.kind !== 'sqlite') throw new Error('expected a sqlite location');
    writeFileSync(location.path, 'this is not a database, just some text that is long enough '.repeat(20));
    await expect(openStore(location)).rejects.toThrow(
      /Cannot open the SQLite store at .*store\.db .*check that its directory is writable/,
    );
  });

  it('sets WAL, synchronous=FULL, foreign keys and a busy timeout on its connection', async () => {
    const location = backend.newLocation();
    if (location.kind !== 'sqlite') throw new Error('expected a sqlite location');
    const driver = new SqliteDriver({ path: location.path, busyTimeoutMs: 1234 });
    try {
      const pragma = async (name: string) =>
        Object.values((await driver.executor.query(`PRAGMA ${name}`))[0] ?? {})[0];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(2); // FULL
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('busy_timeout')).toBe(1234);
    } finally {
      await driver.close();
    }
  });

  it('records each migration once across reopenings and creates every table', async () => {
    const location = backend.newLocation();
    if (location.kind !== 'sqlite') throw new Error('expected a sqlite location');
    await (await openStore(location)).close();
    await (await openStore(location)).close();
    const db = new Database(location.path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const migrations = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
      expect(migrations).toEqual(loadMigrations('sqlite').map(({ version, name }) => ({ version, name })));
      const tables = db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all()
        .map((row) => (row as { name: string }).name);
      expect(tables).toEqual([
        'audit',
        'connection',
        'cursor',
        'dashboard_session',
        'dead_letter',
        'inbox',
        'incident',
        'link',
        'schema_migrations',
        'secret',
        'sync_outcome',
      ]);
    } finally {
      db.close();
    }
  });
});
