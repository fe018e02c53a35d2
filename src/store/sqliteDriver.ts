import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { UpstreamError } from '../shared/upstreamError.ts';
import type { AsyncMutex } from './asyncMutex.ts';
import type { SqlDriver, SqlExecutor, SqlValue } from './sqlExecutor.ts';
import { acquireSqliteFileLock } from './sqliteFileLocks.ts';
import { StoreConflictError } from './store.ts';

export interface SqliteDriverOptions {
  path: string;
  /** How long a writer waits for another process's lock before failing (default 5000). */
  busyTimeoutMs?: number;
}

const UNIQUE_VIOLATION_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/** Unique violations become StoreConflictError; a lock held too long by another process says what to do. */
function classify(error: unknown, path: string, busyTimeoutMs: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNIQUE_VIOLATION_CODES.has(code)) {
    return new StoreConflictError((error as Error).message, { cause: error });
  }
  if (code === 'SQLITE_BUSY') {
    return new UpstreamError({
      kind: 'transient',
      upstream: 'store',
      code,
      message: `The SQLite store at ${path} stayed locked by another process for over ${busyTimeoutMs} ms: run one cosell process per SQLite file (use the Postgres store for several), or raise busyTimeoutMs.`,
      cause: error,
    });
  }
  return error;
}

/** Opens the file (creating its directory) with the durability settings; failures say what to check. */
function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Cannot open the SQLite store at ${path} (${reason}): check that its directory is writable by this user and that the file is a cosell store, or point the store path at a new file.`,
      { cause: error },
    );
  }
}

/**
 * better-sqlite3 behind the async SqlDriver seam. One connection: statements run synchronously,
 * and a mutex (shared by every handle on the same file in this process) keeps other callers out
 * while a transaction awaits between its statements. Transactions should await only store calls:
 * awaiting network I/O inside one holds the write lock for that long.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly migrationLock = null;
  readonly migrationPrelude = null;
  readonly executor: SqlExecutor;
  private readonly db: Database.Database;
  private readonly mutex: AsyncMutex;
  private readonly releaseFileLock: () => void;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly path: string;
  private readonly busyTimeoutMs: number;

  constructor(options: SqliteDriverOptions) {
    this.path = options.path;
    this.busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5_000));
    this.db = openDatabase(this.path, this.busyTimeoutMs);
    const fileLock = acquireSqliteFileLock(options.path);
    this.mutex = fileLock.mutex;
    this.releaseFileLock = fileLock.release;
    const direct = this.createExecutor();
    this.executor = {
      query: (sql, params, options) => this.mutex.run(() => direct.query(sql, params, options)),
      execute: (sql, params, options) => this.mutex.run(() => direct.execute(sql, params, options)),
      script: (sql) => this.mutex.run(() => direct.script(sql)),
    };
  }

  transaction<T>(fn: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        throw classify(error, this.path, this.busyTimeoutMs);
      }
      try {
        const result = await fn(this.createExecutor());
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  close(): Promise<void> {
    return this.mutex.run(() => {
      this.db.close();
      this.releaseFileLock();
    });
  }

  /** Runs statements directly on the connection: callers hold the mutex. */
  private createExecutor(): SqlExecutor {
    const prepare = (sql: string): Database.Statement => {
      let statement = this.statements.get(sql);
      if (!statement) {
        statement = this.db.prepare(sql);
        this.statements.set(sql, statement);
      }
      return statement;
    };
    const run = <T>(fn: () => T): Promise<T> => {
      try {
        return Promise.resolve(fn());
      } catch (error) {
        return Promise.reject(classify(error, this.path, this.busyTimeoutMs));
      }
    };
    return {
      query: <R extends object>(sql: string, params: readonly SqlValue[] = []) =>
        run(() => prepare(sql).all(...params) as R[]),
      execute: (sql: string, params: readonly SqlValue[] = []) =>
        run(() => prepare(sql).run(...params).changes),
      script: (sql: string) => run(() => void this.db.exec(sql)),
    };
  }
}
