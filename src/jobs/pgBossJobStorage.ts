/**
 * Claims and outcomes for the pg-boss adapter, as SQL on pg-boss's own job table.
 *
 * pg-boss's fetch cannot skip a job whose key is busy (a singleton/stately batch fails as a whole on
 * the unique index), and an expired pg-boss job may run twice at once (issue #555). So claims are
 * ours: the oldest due job whose key has no live active job, taken with FOR UPDATE SKIP LOCKED, and
 * guarded by a session advisory lock on the key that the worker's connection holds for the whole run.
 * A killed worker's connection closes, which frees the lock; its job runs again once its lease
 * (pg-boss's expire_in, renewed while the handler runs) has passed.
 */
import type pg from 'pg';
import type { ClaimedJob, JobStorage } from './jobRunner.ts';

/** A pooled connection that holds the key locks of one or more claimed jobs (a batch shares one). */
export interface HeldConnection {
  client: pg.PoolClient;
  /** Jobs still holding a key lock on it. */
  holders: number;
  /** Set when the connection failed: the leases can no longer be guaranteed. */
  lost: boolean;
  /** Set once the connection has gone back to the pool (or been destroyed). */
  released: boolean;
  /** Removes the connection error listener before the connection goes back to the pool. */
  detach: () => void;
  /** The last statement sent: the jobs sharing the connection send theirs one after another, never at once. */
  tail: Promise<unknown>;
  /** Jobs whose completion waits to be recorded with the others' in one statement. */
  completing: { job: PgBossClaimedJob; done: (error?: unknown) => void }[];
}

export interface PgBossClaimedJob extends ClaimedJob {
  connection: HeldConnection;
  leaseToken: string;
  lockName: string;
  /** Set once this job's outcome is recorded or it was given up. */
  released: boolean;
}

/** Data pg-boss stores for each of our jobs. */
export interface PgBossJobData {
  payload: unknown;
  connectionId: string | null;
}

interface ClaimedRow {
  id: string;
  name: string;
  data: PgBossJobData | null;
  singleton_key: string;
  retry_count: number;
  lease_token: string;
  lock_name: string;
}

const CANDIDATE_LIMIT = 20;

export class PgBossJobStorage implements JobStorage<PgBossClaimedJob> {
  private readonly sql;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly onConnectionError: (error: Error) => void,
  ) {
    const live = 'started_on + expire_in >= now()';
    const owned = `name = $1 AND id = $2 AND state = 'active' AND output->>'leaseToken' = $3`;
    // A worker limited to one connection claims only its jobs ($6 null: any connection).
    const ofConnection = `($6::text IS NULL OR j.data->>'connectionId' = $6)`;
    const keyIsFree = `NOT EXISTS (
            SELECT 1 FROM ${schema}.job a
            WHERE a.singleton_key = j.singleton_key AND a.state = 'active' AND a.${live} AND a.id <> j.id
          )`;
    // Records a job's outcome and lets go of its key lock in one round trip. The lock may go a moment before the
    // outcome commits: a claim meanwhile still sees the job active under a live lease and skips its key.
    const thenUnlock = (update: string, lockParameter: string) =>
      `WITH done AS (${update} RETURNING 1) SELECT pg_advisory_unlock(hashtextextended(${lockParameter}, 0))`;
    this.sql = {
      // The whole claim in one statement (one round trip, one commit):
      // - candidates: abandoned runs first (lease lapsed), then due jobs oldest first. Each lookup walks an index in
      //   its own order and stops at its limit (job_cosell_due for the due ones), so a claim costs the same with a
      //   backlog of ten jobs or a million: no sort of the backlog;
      // - the first candidate of each key, `limit` keys at most;
      // - each key's advisory lock tried once (a key not locked is still run by someone, e.g. a job whose lease
      //   expired while its worker lives on); the materialized CTEs make each lock attempt happen exactly once, and
      //   every key locked is a job marked below;
      // - the jobs marked active with a fresh lease token. started_on is when the job really started: after its key's
      //   lock was taken (clock_timestamp), not when the statement began (now()).
      claim: `
        WITH expired AS MATERIALIZED (
          SELECT j.id, j.singleton_key, j.created_on, 0 AS part FROM ${schema}.job j
          WHERE j.name = $1 AND j.singleton_key IS NOT NULL AND j.state = 'active' AND NOT (j.${live})
            AND ${ofConnection} AND ${keyIsFree}
          ORDER BY j.created_on, j.id
          LIMIT $2
          FOR UPDATE OF j SKIP LOCKED
        ), due AS MATERIALIZED (
          SELECT j.id, j.singleton_key, j.created_on, 1 AS part FROM ${schema}.job j
          WHERE j.name = $1 AND j.state < 'active' AND j.start_after <= now() AND j.singleton_key IS NOT NULL
            AND ${ofConnection} AND ${keyIsFree}
          ORDER BY j.created_on, j.id
          LIMIT $2
          FOR UPDATE OF j SKIP LOCKED
        ), firsts AS MATERIALIZED (
          SELECT f.id, $3::text || f.singleton_key AS lock_name FROM (
            SELECT DISTINCT ON (c.singleton_key) c.id, c.singleton_key, c.part, c.created_on
            FROM (SELECT * FROM expired UNION ALL SELECT * FROM due) c
            ORDER BY c.singleton_key, c.part, c.created_on, c.id
          ) f
          ORDER BY f.part, f.created_on, f.id
          LIMIT $4
        ), locked AS MATERIALIZED (
          SELECT id, lock_name FROM firsts WHERE pg_try_advisory_lock(hashtextextended(lock_name, 0))
        )
        UPDATE ${schema}.job j SET state = 'active', started_on = clock_timestamp(),
          expire_in = $5 * interval '1 millisecond',
          retry_count = CASE WHEN j.started_on IS NULL THEN 0 ELSE j.retry_count + 1 END,
          output = jsonb_build_object('leaseToken', gen_random_uuid()::text)
        FROM locked
        WHERE j.name = $1 AND j.id = locked.id
        RETURNING j.id, j.name, j.data, j.singleton_key, j.retry_count, j.output->>'leaseToken' AS lease_token,
          locked.lock_name`,
      renew: `UPDATE ${schema}.job SET expire_in = (now() - started_on) + $4 * interval '1 millisecond' WHERE ${owned}`,
      renewMany: `UPDATE ${schema}.job j SET expire_in = (now() - j.started_on) + $2 * interval '1 millisecond'
        FROM unnest($3::uuid[], $4::text[]) AS t(id, token)
        WHERE j.name = $1 AND j.id = t.id AND j.state = 'active' AND j.output->>'leaseToken' = t.token
        RETURNING j.id`,
      completeMany: `
        WITH done AS (
          UPDATE ${schema}.job j SET state = 'completed', completed_on = now(), output = NULL
          FROM unnest($2::uuid[], $3::text[]) AS t(id, token)
          WHERE j.name = $1 AND j.id = t.id AND j.state = 'active' AND j.output->>'leaseToken' = t.token
          RETURNING 1
        )
        SELECT pg_advisory_unlock(hashtextextended(t.lock_name, 0)) FROM unnest($4::text[]) AS t(lock_name)`,
      fail: thenUnlock(
        `UPDATE ${schema}.job SET state = 'failed', completed_on = now(),
          output = jsonb_build_object('message', $5::text) WHERE ${owned}`,
        '$4',
      ),
      // keep_until moves too: pg-boss archives jobs still waiting after it.
      reschedule: thenUnlock(
        `UPDATE ${schema}.job SET state = 'retry', start_after = now() + $5 * interval '1 millisecond',
          keep_until = GREATEST(keep_until, now() + $5 * interval '1 millisecond' + interval '14 days'),
          output = jsonb_build_object('message', $6::text) WHERE ${owned}`,
        '$4',
      ),
      unlock: 'SELECT pg_advisory_unlock(hashtextextended($1, 0))',
    };
  }

  /**
   * Claims up to `limit` due jobs with different free keys on one connection, which holds every key's advisory
   * lock until the job's outcome is recorded: a batch costs one connection, not one per job.
   */
  async claimMany(
    name: string,
    leaseMs: number,
    limit: number,
    connectionId?: string,
  ): Promise<PgBossClaimedJob[]> {
    // Gathering more jobs into a batch never waits for a connection: each claim holds its connection until its
    // jobs finish, so a batch that gathered on a busy pool would hold it up (the batch runs with what it has).
    if (limit > 1 && this.pool.idleCount === 0 && this.pool.totalCount >= (this.pool.options.max ?? 10))
      return [];
    const client = await this.pool.connect();
    const connection: HeldConnection = {
      client,
      holders: 0,
      lost: false,
      released: false,
      detach: () => {},
      tail: Promise.resolve(),
      completing: [],
    };
    const onError = (error: Error) => {
      connection.lost = true;
      this.onConnectionError(error);
    };
    client.on('error', onError);
    connection.detach = () => client.off('error', onError);
    try {
      // A named statement: prepared once per connection, so a claim is not planned again each time (planning the
      // statement over pg-boss's partitioned table costs more than running it).
      const { rows } = await client.query<ClaimedRow>({ name: 'cosell-claim', text: this.sql.claim }, [
        name,
        Math.max(CANDIDATE_LIMIT, limit * 2),
        this.lockNameFor(''),
        limit,
        leaseMs,
        connectionId ?? null,
      ]);
      connection.holders = rows.length;
      if (rows.length === 0) this.releaseConnection(connection, false);
      return rows.map((row) => this.toClaimedJob(row, connection));
    } catch (error) {
      // Destroying the connection also frees any advisory lock it took (session locks outlive a failed statement).
      this.releaseConnection(connection, true);
      throw error;
    }
  }

  async renew(job: PgBossClaimedJob, leaseMs: number): Promise<boolean> {
    if (job.connection.lost || job.released) return false;
    try {
      const result = await this.send(job.connection, this.sql.renew, [
        job.name,
        job.id,
        job.leaseToken,
        leaseMs,
      ]);
      return result.rowCount === 1;
    } catch {
      return false;
    }
  }

  /** One statement per connection (a batch shares one) instead of one round trip per job. */
  async renewMany(jobs: readonly PgBossClaimedJob[], leaseMs: number): Promise<boolean[]> {
    const groups = new Map<string, PgBossClaimedJob[]>();
    const connections = new Map<HeldConnection, string>();
    for (const job of jobs) {
      if (job.connection.lost || job.released) continue;
      const connection = connections.get(job.connection) ?? `${connections.size}`;
      connections.set(job.connection, connection);
      const group = `${connection}:${job.name}`;
      groups.set(group, [...(groups.get(group) ?? []), job]);
    }
    const renewed = new Set<string>();
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const [first] = group as [PgBossClaimedJob];
        try {
          const result = await this.send<{ id: string }>(first.connection, this.sql.renewMany, [
            first.name,
            leaseMs,
            group.map((job) => job.id),
            group.map((job) => job.leaseToken),
          ]);
          for (const row of result.rows) renewed.add(row.id);
        } catch {
          // The connection failed: these leases can no longer be kept (the jobs run again elsewhere).
        }
      }),
    );
    return jobs.map((job) => renewed.has(job.id));
  }

  /**
   * Completions of jobs sharing a connection are recorded together: one statement (and one commit) for all that
   * finished while the previous statement ran, instead of one each.
   */
  async complete(job: PgBossClaimedJob): Promise<void> {
    if (job.released) return;
    const { connection } = job;
    await new Promise<void>((resolve, reject) => {
      connection.completing.push({ job, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (connection.completing.length === 1) void this.send(connection, null, []).catch(() => undefined);
    });
  }

  /** Records the completions waiting on a connection (run in its turn on the connection). */
  private async completeWaiting(connection: HeldConnection): Promise<void> {
    const waiting = connection.completing.splice(0);
    const byName = new Map<string, typeof waiting>();
    for (const entry of waiting) byName.set(entry.job.name, [...(byName.get(entry.job.name) ?? []), entry]);
    for (const [name, group] of byName) {
      try {
        await connection.client.query(this.sql.completeMany, [
          name,
          group.map(({ job }) => job.id),
          group.map(({ job }) => job.leaseToken),
          group.map(({ job }) => job.lockName),
        ]);
        for (const { job, done } of group) {
          this.letGo(job, false);
          done();
        }
      } catch (error) {
        for (const { job, done } of group) {
          this.letGo(job, true);
          done(error);
        }
      }
    }
  }

  async remove(job: PgBossClaimedJob, error: Error): Promise<void> {
    await this.finish(job, this.sql.fail, [error.message]);
  }

  async reschedule(job: PgBossClaimedJob, delayMs: number, error: Error): Promise<void> {
    await this.finish(job, this.sql.reschedule, [Math.max(0, Math.round(delayMs)), error.message]);
  }

  async release(job: PgBossClaimedJob): Promise<void> {
    await this.finish(job, this.sql.reschedule, [0, 'The worker stopped before the job finished.']);
  }

  async abandon(job: PgBossClaimedJob): Promise<void> {
    // Closing the connection frees the key lock; the row's lease then lets another worker take the job. A shared
    // connection that still works only lets go of this job's lock.
    if (job.released) return;
    if (!job.connection.lost && job.connection.holders > 1) {
      try {
        await this.send(job.connection, this.sql.unlock, [job.lockName]);
        this.letGo(job, false);
        return;
      } catch {
        // fall through: destroy the connection
      }
    }
    this.letGo(job, true);
  }

  private async finish(job: PgBossClaimedJob, sql: string, extra: unknown[]): Promise<void> {
    if (job.released) return;
    try {
      await this.send(job.connection, sql, [job.name, job.id, job.leaseToken, job.lockName, ...extra]);
      this.letGo(job, false);
    } catch (error) {
      this.letGo(job, true);
      throw error;
    }
  }

  /**
   * Sends a statement on a held connection after the ones already sent on it (null: the waiting completions).
   * node-postgres would queue concurrent queries itself, but that use is deprecated.
   */
  private send<R extends pg.QueryResultRow = pg.QueryResultRow>(
    connection: HeldConnection,
    sql: string | null,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const run = connection.tail.then(async () => {
      if (sql !== null) return connection.client.query<R>(sql, values);
      await this.completeWaiting(connection);
      return { rows: [], rowCount: 0 } as unknown as pg.QueryResult<R>;
    });
    connection.tail = run.catch(() => undefined);
    return run;
  }

  /** This job no longer holds its lock; the connection goes back once no job of its batch does. */
  private letGo(job: PgBossClaimedJob, destroy: boolean): void {
    job.released = true;
    job.connection.holders -= 1;
    if (destroy || job.connection.holders <= 0) this.releaseConnection(job.connection, destroy);
  }

  private releaseConnection(connection: HeldConnection, destroy: boolean): void {
    if (connection.released) return;
    connection.released = true;
    if (destroy) connection.lost = true;
    connection.detach();
    connection.client.release(destroy);
  }

  private lockNameFor(key: string): string {
    return `cosell-job-key:${this.schema}:${key}`;
  }

  private toClaimedJob(row: ClaimedRow, connection: HeldConnection): PgBossClaimedJob {
    return {
      id: row.id,
      name: row.name,
      key: row.singleton_key,
      connectionId: row.data?.connectionId ?? null,
      payload: row.data?.payload ?? null,
      attempt: row.retry_count + 1,
      connection,
      leaseToken: row.lease_token,
      lockName: row.lock_name,
      released: false,
    };
  }
}
