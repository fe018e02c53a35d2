import pg from 'pg';
import { UpstreamError } from '../shared/upstreamError.ts';
import { AsyncMutex } from './asyncMutex.ts';
import type { SqlDriver, SqlExecutor, SqlValue, StatementOptions } from './sqlExecutor.ts';
import { StoreConflictError } from './store.ts';

export interface PostgresDriverOptions {
  url: string;
  /** All tables live in this schema (created at migration time when missing). */
  schema?: string;
  maxConnections?: number;
  connectTimeoutMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const UNIQUE_VIOLATION = '23505';
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
]);
/** SQLSTATEs that mean the URL points at the wrong place or the wrong credentials. */
const CONFIG_CODES = new Set(['28P01', '28000', '3D000']);

const JSON_TYPE_OIDS = new Set<number>([pg.types.builtins.JSON, pg.types.builtins.JSONB]);

/** json/jsonb columns arrive as text, as in SQLite, so one decoder reads both (a jsonb string stays a string). */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    JSON_TYPE_OIDS.has(oid)
      ? (value: string) => value
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Where the URL points, for messages: host, port and database, never the user's password. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname || ''}`;
  } catch {
    return '(an unparseable URL)';
  }
}

/** `?` placeholders become `$1, $2 …` (repository SQL never holds a literal question mark). */
function toPositional(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly executor: SqlExecutor;
  readonly migrationLock: { sql: string; params: SqlValue[] };
  readonly migrationPrelude: string | null;
  private readonly pool: pg.Pool;
  private readonly where: string;

  constructor(options: PostgresDriverOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new Error(
        `Postgres schema name ${JSON.stringify(options.schema)} is not allowed: use lower-case letters, digits and underscores, starting with a letter or underscore.`,
      );
    }
    if (/^postgres(ql)?:\/\//i.test(options.url) && !URL.canParse(options.url)) {
      // Deliberately no cause: URL errors carry the whole input, password included.
      throw new Error(
        'The Postgres store URL is not a valid URL: write it as postgres://user:password@host:5432/database (percent-encode special characters in the password).',
      );
    }
    this.where = describePostgresUrl(options.url);
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      types,
      ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    });
    // An idle client losing its connection must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
    this.migrationLock = {
      sql: 'SELECT pg_advisory_xact_lock(hashtext(?))',
      params: [`cosell-store-migrations:${options.schema ?? ''}`],
    };
    this.migrationPrelude =
      options.schema === undefined ? null : `CREATE SCHEMA IF NOT EXISTS ${options.schema}`;
    this.executor = this.createExecutor(this.pool, null);
  }

  async transaction<T>(fn: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((error: unknown) => Promise.reject(this.classify(error)));
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const result = await fn(this.createExecutor(client, new AsyncMutex()));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      }
    } catch (error) {
      throw this.classify(error);
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Statements on the pool (outside transactions) or on one transaction's client. Inside a
   * transaction statements run one at a time, so a savepoint guards exactly its own statement.
   */
  private createExecutor(target: pg.Pool | pg.PoolClient, serial: AsyncMutex | null): SqlExecutor {
    const run = async (sql: string, params: readonly SqlValue[], options?: StatementOptions) => {
      const statement = () => target.query(toPositional(sql), params as SqlValue[]);
      const guarded = async () => {
        if (!options?.mayConflict || serial === null) return statement();
        await target.query('SAVEPOINT may_conflict');
        try {
          const result = await statement();
          await target.query('RELEASE SAVEPOINT may_conflict');
          return result;
        } catch (error) {
          await target.query('ROLLBACK TO SAVEPOINT may_conflict');
          throw error;
        }
      };
      try {
        return await (serial ? serial.run(guarded) : guarded());
      } catch (error) {
        throw this.classify(error);
      }
    };
    return {
      query: async <R extends object>(
        sql: string,
        params: readonly SqlValue[] = [],
        options?: StatementOptions,
      ) => (await run(sql, params, options)).rows as R[],
      execute: async (sql: string, params: readonly SqlValue[] = [], options?: StatementOptions) =>
        (await run(sql, params, options)).rowCount ?? 0,
      script: async (sql: string) => {
        const execute = async () => void (await target.query(sql));
        try {
          await (serial ? serial.run(execute) : execute());
        } catch (error) {
          throw this.classify(error);
        }
      },
    };
  }

  /** Unique violations become StoreConflictError; connection failures say where and what to check. */
  private classify(error: unknown): unknown {
    if (error instanceof StoreConflictError || error instanceof UpstreamError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === UNIQUE_VIOLATION) return new StoreConflictError(message, { cause: error });
    if (
      (typeof code === 'string' && UNREACHABLE_CODES.has(code)) ||
      /timeout.*connect|Connection terminated/i.test(message)
    ) {
      return new UpstreamError({
        kind: 'transient',
        upstream: 'store',
        message: `Cannot reach Postgres at ${this.where} (${typeof code === 'string' ? code : message}): check that the server is running and accepts connections on that host and port, and that the store URL (DATABASE_URL or store.url in cosell.yaml) is right.`,
        ...(typeof code === 'string' ? { code } : {}),
        cause: error,
      });
    }
    if (typeof code === 'string' && CONFIG_CODES.has(code)) {
      return new UpstreamError({
        kind: 'permanent',
        upstream: 'store',
        message: `Postgres at ${this.where} refused the connection: ${message}. Check the user, password and database name in the store URL.`,
        code,
        cause: error,
      });
    }
    return error;
  }
}
