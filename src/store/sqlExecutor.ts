/**
 * The narrow seam between the shared repository code and a database driver. Repositories write
 * SQL once, with `?` placeholders and syntax both SQLite and Postgres accept (ON CONFLICT,
 * RETURNING, row values); each driver adapts placeholders and classifies its own errors.
 */
export type SqlValue = string | number | null;

export interface StatementOptions {
  /**
   * The statement may violate a uniqueness rule. Inside a Postgres transaction the driver runs it
   * under a savepoint, so a caught StoreConflictError leaves the transaction usable (as in SQLite).
   */
  mayConflict?: boolean;
}

export interface SqlExecutor {
  /** Runs a SELECT or a statement with RETURNING and gives back its rows. */
  query<R extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly SqlValue[],
    options?: StatementOptions,
  ): Promise<R[]>;
  /** Runs a statement and returns how many rows it changed. */
  execute(sql: string, params?: readonly SqlValue[], options?: StatementOptions): Promise<number>;
  /** Runs several statements without parameters (migration files). */
  script(sql: string): Promise<void>;
}

/** A database connection (or pool) the SqlStore runs on. Unique violations surface as StoreConflictError. */
export interface SqlDriver {
  readonly dialect: 'sqlite' | 'postgres';
  readonly executor: SqlExecutor;
  /** Runs fn inside one transaction on one connection; commit on resolve, rollback on throw. */
  transaction<T>(fn: (executor: SqlExecutor) => Promise<T>): Promise<T>;
  /** SQL run first inside the migration transaction to serialise concurrent openers, or null when the transaction itself locks. */
  readonly migrationLock: { sql: string; params: SqlValue[] } | null;
  /** SQL run after the migration lock and before anything else (e.g. CREATE SCHEMA), or null. */
  readonly migrationPrelude: string | null;
  close(): Promise<void>;
}
