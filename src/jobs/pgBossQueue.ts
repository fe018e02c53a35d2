/**
 * The distributed job queue: pg-boss 10 on Postgres. pg-boss owns the schema (its migrations), queue
 * definitions, job inserts and maintenance (archiving, expiry); claims and outcomes are our SQL on its
 * job table (see pgBossJobStorage.ts) so that per-key serialization, coalescing and retry-by-kind hold.
 *
 * pg-boss's own retries are neutralised: queues get a retry limit no job can reach, no delay and no
 * backoff, so a job pg-boss expires goes back to `retry` and our retryPolicy decides everything else.
 */

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { EnqueueResult, JobToEnqueue } from './jobQueue.ts';
import { JobRunner, type JobRunnerOptions } from './jobRunner.ts';
import { type PgBossClaimedJob, type PgBossJobData, PgBossJobStorage } from './pgBossJobStorage.ts';
import { type QueueSettings, resolveRunnerOptions } from './queueSettings.ts';
import { RunnerQueue } from './runnerQueue.ts';

export interface PgBossQueueOptions extends QueueSettings {
  url: string;
  /** Schema for pg-boss's tables (default `pgboss`); tests use one schema each. */
  schema?: string;
  /** Pool size for claims and running jobs: each running job holds one connection (default 10; enqueues use 3 more). */
  maxConnections?: number;
  /** Run pg-boss maintenance (archiving, expiry) from this process (default true). */
  supervise?: boolean;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Higher than any attempt count retryPolicy allows: pg-boss never fails a job on its own. */
const PG_BOSS_RETRY_LIMIT = 1_000_000;
const INTERNAL_QUEUE_PREFIX = '__pgboss__';

/**
 * Enqueues (and counts) use a pool of their own: running jobs hold connections of the claim pool until they
 * finish, and a handler that enqueues (a follow-up sync) must never wait for one of those.
 */
const ENQUEUE_CONNECTIONS = 3;
/**
 * The claim pool's statements (claims, lease renewals, outcomes) commit without waiting for the disk. What a
 * Postgres crash can lose is the last fraction of a second of them, and each loss is harmless under at-least-once
 * processing: a lost claim or completion makes the job run again (syncs are idempotent), a lost reschedule makes
 * it due at once. Key locks are session locks, which a crash frees anyway. Enqueues (their own pool) and the
 * store stay fully durable. Without this, every claim and every batch of completions waits for an fsync, which
 * bounds the queue to a few hundred jobs a second on an ordinary disk.
 */
const CLAIM_SESSION_OPTIONS = '-c synchronous_commit=off';
/** A connection not granted within this long fails the claim or enqueue (retried) instead of waiting for ever. */
const CONNECT_TIMEOUT_MS = 30_000;

/** Jobs added by one process between two refreshes of the job table's statistics (see analyzeAfter). */
const ANALYZE_EVERY_JOBS = 2_000;

/** Duplicate-object SQLSTATEs: another process created the index at the same moment. */
const ALREADY_CREATED_CODES = new Set(['42P07', '23505']);

/**
 * Our claim's indexes on pg-boss's job table (created on the partitioned table, so every queue's partition gets
 * them, including partitions created later):
 * - job_cosell_live_key: the "does this key have a live run?" check of every candidate;
 * - job_cosell_due: waiting jobs of a name in claim order, so a claim reads the first few index entries instead
 *   of sorting the whole backlog (pg-boss's own fetch index is ordered by start_after, not created_on);
 * - job_cosell_pending_key: an enqueue's "is this key's job still waiting?" check (coalescing).
 */
const CLAIM_INDEXES = [
  (schema: string) =>
    `CREATE INDEX IF NOT EXISTS job_cosell_live_key ON ${schema}.job (singleton_key) WHERE state = 'active'`,
  (schema: string) =>
    `CREATE INDEX IF NOT EXISTS job_cosell_due ON ${schema}.job (name, created_on, id) WHERE state < 'active'`,
  (schema: string) =>
    `CREATE INDEX IF NOT EXISTS job_cosell_pending_key ON ${schema}.job (name, singleton_key, created_on) WHERE state = 'created'`,
];

async function createClaimIndexes(pool: pg.Pool, schema: string): Promise<void> {
  for (const index of CLAIM_INDEXES) {
    try {
      await pool.query(index(schema));
    } catch (error) {
      if (!ALREADY_CREATED_CODES.has(String((error as { code?: unknown }).code))) throw error;
    }
  }
}

export class PgBossQueue extends RunnerQueue<PgBossClaimedJob> {
  private readonly createdQueues = new Set<string>();
  private totalConcurrency = 0;
  private insertedSinceAnalyze = 0;
  private analyzing = false;

  private constructor(
    private readonly boss: PgBoss,
    private readonly pool: pg.Pool,
    private readonly enqueuePool: pg.Pool,
    private readonly schema: string,
    private readonly maxConnections: number,
    settings: QueueSettings,
    private readonly runnerOptions: JobRunnerOptions,
  ) {
    const storage = new PgBossJobStorage(pool, schema, (error) =>
      runnerOptions.logger.error({ err: error }, 'job queue: a Postgres connection holding a job failed'),
    );
    super(new JobRunner(storage, runnerOptions), settings.deadLetters);
  }

  /** Connects, lets pg-boss create or migrate its schema, and returns a queue ready to use. */
  static async start(options: PgBossQueueOptions): Promise<PgBossQueue> {
    const schema = options.schema ?? 'pgboss';
    if (!SCHEMA_NAME.test(schema)) {
      throw new Error(
        `Queue schema name ${JSON.stringify(schema)} is not allowed: use lower-case letters, digits and underscores, starting with a letter or underscore.`,
      );
    }
    const runnerOptions = resolveRunnerOptions(options);
    const { logger } = runnerOptions;
    const boss = new PgBoss({
      connectionString: options.url,
      schema,
      max: 2,
      supervise: options.supervise ?? true,
      schedule: false,
      migrate: true,
    });
    boss.on('error', (error) => logger.error({ err: error }, 'pg-boss reported an error'));
    const maxConnections = options.maxConnections ?? 10;
    const pool = new pg.Pool({
      connectionString: options.url,
      max: maxConnections,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      options: CLAIM_SESSION_OPTIONS,
    });
    const enqueuePool = new pg.Pool({
      connectionString: options.url,
      max: ENQUEUE_CONNECTIONS,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    for (const each of [pool, enqueuePool])
      each.on('error', (error) =>
        logger.warn({ err: error }, 'job queue: an idle Postgres connection failed'),
      );
    try {
      await boss.start();
      await createClaimIndexes(pool, schema);
    } catch (error) {
      await pool.end().catch(() => undefined);
      await enqueuePool.end().catch(() => undefined);
      await boss.stop({ graceful: false }).catch(() => undefined);
      throw new Error(
        `Could not start the pg-boss job queue in schema "${schema}": ${(error as Error).message}. Check the Postgres URL and that the user may create schemas.`,
        { cause: error },
      );
    }
    return new PgBossQueue(boss, pool, enqueuePool, schema, maxConnections, options, runnerOptions);
  }

  async enqueue<P>(job: JobToEnqueue<P>): Promise<EnqueueResult> {
    return (await this.enqueueMany([job]))[0]!;
  }

  /** Every job in one transaction on one enqueue connection. */
  async enqueueMany<P>(jobs: readonly JobToEnqueue<P>[]): Promise<EnqueueResult[]> {
    this.assertOpen('enqueue');
    const names = new Set(jobs.map((job) => job.name));
    for (const name of names) await this.ensureQueue(name);
    const client = await this.enqueuePool.connect();
    try {
      await client.query('BEGIN');
      const results = await this.enqueueIn(client, jobs);
      await client.query('COMMIT');
      client.release();
      for (const name of names) this.runner.wake(name);
      this.analyzeAfter(results.filter((result) => !result.coalesced).length);
      return results;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  }

  /**
   * Refreshes the job table's statistics in the background after every ANALYZE_EVERY_JOBS jobs this process
   * added. Right after a burst of enqueues (a backfill) the statistics still describe a nearly empty table, and
   * the planner then reads and sorts the whole backlog on every claim instead of walking job_cosell_due, until
   * autovacuum gets to it (measured: 170 instead of 1,370 jobs/s with a 10,000-job backlog).
   */
  private analyzeAfter(inserted: number): void {
    this.insertedSinceAnalyze += inserted;
    if (this.insertedSinceAnalyze < ANALYZE_EVERY_JOBS || this.analyzing) return;
    this.insertedSinceAnalyze = 0;
    this.analyzing = true;
    this.enqueuePool
      .query(`ANALYZE ${this.schema}.job`)
      .catch((error: unknown) =>
        this.runnerOptions.logger.warn(
          { err: error },
          'job queue: refreshing the job table statistics failed',
        ),
      )
      .finally(() => {
        this.analyzing = false;
      });
  }

  protected override async prepareWork(name: string, concurrency: number): Promise<void> {
    // Each running job holds a connection; keep some for claims and enqueues.
    if (this.totalConcurrency + concurrency >= this.maxConnections) {
      throw new Error(
        `Concurrency ${this.totalConcurrency + concurrency} needs more than the pool's ${this.maxConnections} connections: raise maxConnections or lower the concurrency.`,
      );
    }
    await this.ensureQueue(name);
    this.totalConcurrency += concurrency;
  }

  protected async countJobs(): Promise<{ pending: number; running: number }> {
    const { rows } = await this.enqueuePool.query<{ pending: string; running: string }>(
      `SELECT
         count(*) FILTER (WHERE state < 'active' OR (state = 'active' AND started_on + expire_in < now())) AS pending,
         count(*) FILTER (WHERE state = 'active' AND started_on + expire_in >= now()) AS running
       FROM ${this.schema}.job
       WHERE state <= 'active' AND singleton_key IS NOT NULL AND left(name, $1) <> $2`,
      [INTERNAL_QUEUE_PREFIX.length, INTERNAL_QUEUE_PREFIX],
    );
    return { pending: Number(rows[0]?.pending ?? 0), running: Number(rows[0]?.running ?? 0) };
  }

  protected async close(): Promise<void> {
    await this.pool.end();
    await this.enqueuePool.end();
    await this.boss.stop({ graceful: false });
  }

  /**
   * Enqueues the jobs in a few statements, whatever their number: the key locks of the coalescing ones, one update
   * that pulls their keys' waiting jobs forward, one insert of the rest, and one update that orders the inserted.
   */
  private async enqueueIn(client: pg.PoolClient, jobs: readonly JobToEnqueue[]): Promise<EnqueueResult[]> {
    const results: EnqueueResult[] = new Array(jobs.length);
    // One entry per name + key of the coalescing jobs (in call order), due at the earliest of their runAts.
    const coalescing = new Map<
      string,
      { name: string; key: string; runAt: Date | null; keep: boolean; first: number }
    >();
    for (const [index, job] of jobs.entries()) {
      if (job.coalesce === false) continue;
      const id = `${job.name}\u0000${job.key}`;
      const entry = coalescing.get(id);
      const runAt = job.runAt ?? null;
      const keep = job.keepPendingRunAt === true;
      if (entry === undefined)
        coalescing.set(id, { name: job.name, key: job.key, runAt, keep, first: index });
      else {
        entry.keep &&= keep;
        entry.runAt =
          entry.runAt === null || runAt === null
            ? null
            : new Date(Math.min(runAt.getTime(), entry.runAt.getTime()));
      }
    }
    const waitingOf = new Map<string, string>();
    if (coalescing.size > 0) {
      // In key order: two transactions that coalesce overlapping keys take their key locks in the same order. A
      // lock serializes the enqueues of one name + key; a claim that takes the waiting job first makes it
      // non-waiting (the update below re-checks the state of each row it locks).
      const entries = [...coalescing.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      await client.query(
        'SELECT count(pg_advisory_xact_lock(hashtextextended(lock_key, 0))) FROM unnest($1::text[]) AS lock_key',
        [entries.map(([, entry]) => `cosell-enqueue:${this.schema}:${entry.name}:${entry.key}`)],
      );
      const pulled = await client.query<{ id: string; name: string; key: string }>(
        `UPDATE ${this.schema}.job j
         SET start_after = CASE WHEN w.keep THEN j.start_after ELSE LEAST(j.start_after, COALESCE(w.run_at, now())) END
         FROM (
           SELECT DISTINCT ON (p.name, p.key) p.name, p.key, p.run_at, p.keep, c.id
           FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::boolean[]) AS p(name, key, run_at, keep)
           JOIN ${this.schema}.job c ON c.name = p.name AND c.singleton_key = p.key AND c.state = 'created'
           ORDER BY p.name, p.key, c.created_on, c.id
         ) w
         WHERE j.name = w.name AND j.id = w.id AND j.state = 'created'
         RETURNING j.id, j.name, w.key`,
        [
          entries.map(([, entry]) => entry.name),
          entries.map(([, entry]) => entry.key),
          entries.map(([, entry]) => entry.runAt?.toISOString() ?? null),
          entries.map(([, entry]) => entry.keep),
        ],
      );
      for (const row of pulled.rows) waitingOf.set(`${row.name}\u0000${row.key}`, row.id);
    }
    const inserts: PgBoss.JobInsert[] = [];
    for (const [index, job] of jobs.entries()) {
      const coalesceId = `${job.name}\u0000${job.key}`;
      const entry = job.coalesce === false ? undefined : coalescing.get(coalesceId);
      const waiting = waitingOf.get(coalesceId);
      if (entry !== undefined && (waiting !== undefined || entry.first !== index)) {
        // Another waiting job of the key (one already queued, or the first of this call) stands for this one.
        results[index] = { id: waiting ?? results[entry.first]!.id, coalesced: true };
        continue;
      }
      const id = randomUUID();
      const runAt = entry?.runAt ?? job.runAt ?? null;
      const data: PgBossJobData = { payload: job.payload ?? null, connectionId: job.connectionId ?? null };
      inserts.push({
        id,
        name: job.name,
        data,
        singletonKey: job.key,
        // Without runAt the database's clock decides when the job is due.
        ...(runAt === null ? {} : { startAfter: runAt.toISOString() }),
      });
      results[index] = { id, coalesced: false };
    }
    if (inserts.length === 0) return results;
    await this.boss.insert(inserts, { db: { executeSql: (text, values) => client.query(text, values) } });
    // Jobs inserted by one transaction share its created_on (now()), the claim order: spread them by a microsecond
    // each, in call order, so the jobs of one key still run in the order they were given.
    if (inserts.length > 1)
      await client.query(
        `UPDATE ${this.schema}.job j SET created_on = j.created_on + (t.n * interval '1 microsecond')
         FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS t(name, id, n) WHERE j.name = t.name AND j.id = t.id`,
        [inserts.map((job) => job.name), inserts.map((job) => job.id ?? '')],
      );
    return results;
  }

  private async ensureQueue(name: string): Promise<void> {
    if (this.createdQueues.has(name)) return;
    if (name.startsWith(INTERNAL_QUEUE_PREFIX) || !/^[\w.-]+$/.test(name)) {
      throw new Error(
        `Job name ${JSON.stringify(name)} is not allowed: use letters, digits, dots, underscores and hyphens, not starting with ${INTERNAL_QUEUE_PREFIX}.`,
      );
    }
    await this.boss.createQueue(name, {
      name,
      policy: 'standard',
      retryLimit: PG_BOSS_RETRY_LIMIT,
      retryDelay: 0,
      retryBackoff: false,
      expireInSeconds: Math.max(1, Math.ceil(this.runnerOptions.retry.leaseMs / 1000)),
    });
    this.createdQueues.add(name);
  }
}
