/**
 * Numbered migrations for the embedded queue's tables. They live in the store's SQLite file but are
 * tracked in their own table (queue_migrations), so they never collide with the store's migrations.
 */
import type Database from 'better-sqlite3';

export interface QueueMigration {
  version: number;
  description: string;
  sql: string;
}

export const EMBEDDED_QUEUE_MIGRATIONS: readonly QueueMigration[] = [
  {
    version: 1,
    description: 'queue_job table',
    sql: `
      CREATE TABLE queue_job (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        job_key TEXT NOT NULL,
        connection_id TEXT,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'running')),
        attempts INTEGER NOT NULL DEFAULT 0,
        run_at_ms INTEGER NOT NULL,
        locked_until_ms INTEGER,
        lease_token TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX queue_job_due ON queue_job (name, state, run_at_ms);
      CREATE INDEX queue_job_key ON queue_job (job_key, state);
    `,
  },
];

/** Applies the migrations not yet recorded in queue_migrations, each in its own immediate transaction. */
export function migrateEmbeddedQueue(db: Database.Database, nowIso: string): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS queue_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
  );
  const applied = db.prepare<[number], { version: number }>(
    'SELECT version FROM queue_migrations WHERE version = ?',
  );
  const record = db.prepare('INSERT INTO queue_migrations (version, applied_at) VALUES (?, ?)');
  for (const migration of EMBEDDED_QUEUE_MIGRATIONS) {
    db.transaction(() => {
      // Re-checked inside the write lock: another process may have applied it meanwhile.
      if (applied.get(migration.version) !== undefined) return;
      db.exec(migration.sql);
      record.run(migration.version, nowIso);
    }).immediate();
  }
}
