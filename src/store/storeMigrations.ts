import { readdirSync, readFileSync } from 'node:fs';
import type { Clock } from '../shared/clock.ts';
import { toInstant } from './rowValues.ts';
import type { SqlDriver } from './sqlExecutor.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Reads src/store/migrations/<dialect>/NNNN_name.sql, in version order. Plain files: no build step. */
export function loadMigrations(dialect: SqlDriver['dialect']): Migration[] {
  const directory = new URL(`./migrations/${dialect}/`, import.meta.url);
  return readdirSync(directory)
    .flatMap((file) => {
      const match = MIGRATION_FILE.exec(file);
      if (!match) return [];
      return [
        { version: Number(match[1]), name: match[2]!, sql: readFileSync(new URL(file, directory), 'utf8') },
      ];
    })
    .sort((a, b) => a.version - b.version);
}

/**
 * Brings the schema up to date inside one transaction, under the driver's lock, so concurrent
 * openers apply each migration once. Returns the versions applied now (empty when up to date).
 */
export async function migrateStore(driver: SqlDriver, clock: Clock): Promise<number[]> {
  const migrations = loadMigrations(driver.dialect);
  return driver.transaction(async (db) => {
    if (driver.migrationLock) await db.query(driver.migrationLock.sql, driver.migrationLock.params);
    if (driver.migrationPrelude) await db.script(driver.migrationPrelude);
    await db.script(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)',
    );
    const rows = await db.query<{ version: unknown }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => Number(row.version)));
    const known = new Set(migrations.map((migration) => migration.version));
    const unknown = [...applied].filter((version) => !known.has(version));
    if (unknown.length > 0) {
      throw new Error(
        `The database has schema version ${Math.max(...unknown)}, newer than this cosell build knows: upgrade cosell to the version that wrote it.`,
      );
    }
    const appliedNow: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await db.script(migration.sql);
      await db.execute('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        toInstant(clock.now()),
      ]);
      appliedNow.push(migration.version);
    }
    return appliedNow;
  });
}
