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
import { randomUUID } from 'node:crypto';
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
    this.sql = {
      candidates: `
        SELECT j.id, j.singleton_key FROM ${schema}.job j
        WHERE j.name = $1 AND j.singleton_key IS NOT NULL
          AND ($3::text IS NULL OR j.data->>'connectionId' = $3)
          AND ((j.state < 'active' AND j.start_after <= now()) OR (j.state = 'active' AND NOT (j.${live})))
          AND NOT EXISTS (
            SELECT 1 FROM ${schema}.job a
            WHERE a.singleton_key = j.singleton_key AND a.state = 'active' AND a.${live} AND a.id <> j.id
          )
        ORDER BY j.created_on, j.id
        LIMIT $2
        FOR UPDATE OF j SKIP LOCKED`,
      // started_on is when the job really started: after its key's lock was taken (clock_timestamp), not when the
      // claiming transaction began (now()), which can be before the key's previous job finished.
      markActive: `
        UPDATE ${schema}.job SET state = 'active', started_on = clock_timestamp(), expire_in = $3 * interval '1 millisecond',
          retry_count = CASE WHEN started_on IS NULL THEN 0 ELSE retry_count + 1 END,
          output = jsonb_build_object('leaseToken', $4::text)
        WHERE name = $1 AND id = $2
        RETURNING id, name, data, singleton_key, retry_count`,
      renew: `UPDATE ${schema}.job SET expire_in = (now() - started_on) + $4 * interval '1 millisecond' WHERE ${owned}`,
      renewMany: `UPDATE ${schema}.job j SET expire_in = (now() - j.started_on) + $2 * interval '1 millisecond'
        FROM unnest($3::uuid[], $4::text[]) AS t(id, token)
        WHERE j.name = $1 AND j.id = t.id AND j.state = 'active' AND j.output->>'leaseToken' = t.token
        RETURNING j.id`,
      complete: `UPDATE ${schema}.job SET state = 'completed', completed_on = now(), output = NULL WHERE ${owned}`,
      fail: `UPDATE ${schema}.job SET state = 'failed', completed_on = now(),
          output = jsonb_build_object('message', $4::text) WHERE ${owned}`,
      // keep_until moves too: pg-boss archives jobs still waiting after it.
      reschedule: `UPDATE ${schema}.job SET state = 'retry', start_after = now() + $4 * interval '1 millisecond',
          keep_until = GREATEST(keep_until, now() + $4 * interval '1 millisecond' + interval '14 days'),
          output = jsonb_build_object('message', $5::text) WHERE ${owned}`,
      tryLock: 'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked',
      unlock: 'SELECT pg_advisory_unlock(hashtextextended($1, 0))',
    };
  }

  async claim(name: string, leaseMs: number, connectionId?: string): Promise<PgBossClaimedJob | null> {
    return (await this.claimMany(name, leaseMs, 1, connectionId))[0] ?? null;
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
    const connection: HeldConnection = { client, holders: 0, lost: false, released: false, detach: () => {} };
    const onError = (error: Error) => {
      connection.lost = true;
      this.onConnectionError(error);
    };
    client.on('error', onError);
    connection.detach = () => client.off('error', onError);
    const claimed: PgBossClaimedJob[] = [];
    try {
      await client.query('BEGIN');
      const candidates = await client.query<{ id: string; singleton_key: string }>(this.sql.candidates, [
        name,
        Math.max(CANDIDATE_LIMIT, limit * 2),
        connectionId ?? null,
      ]);
      const triedKeys = new Set<string>();
      for (const candidate of candidates.rows) {
        if (claimed.length >= limit) break;
        if (triedKeys.has(candidate.singleton_key)) continue;
        triedKeys.add(candidate.singleton_key);
        const lockName = this.lockNameFor(candidate.singleton_key);
        const lock = await client.query<{ locked: boolean }>(this.sql.tryLock, [lockName]);
        // Someone still runs this key (e.g. a job whose lease expired while its worker lives on).
        if (lock.rows[0]?.locked !== true) continue;
        const token = randomUUID();
        const marked = await client.query<ClaimedRow>(this.sql.markActive, [
          name,
          candidate.id,
          leaseMs,
          token,
        ]);
        const row = marked.rows[0];
        if (row === undefined) throw new Error(`Job ${candidate.id} vanished while it was being claimed.`);
        connection.holders += 1;
        claimed.push(this.toClaimedJob(row, connection, token, lockName));
      }
      await client.query('COMMIT');
      if (claimed.length === 0) this.releaseConnection(connection, false);
      return claimed;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // Destroying the connection also frees any advisory lock it took.
      this.releaseConnection(connection, true);
      throw error;
    }
  }

  async renew(job: PgBossClaimedJob, leaseMs: number): Promise<boolean> {
    if (job.connection.lost || job.released) return false;
    try {
      const result = await job.connection.client.query(this.sql.renew, [
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
          const result = await first.connection.client.query<{ id: string }>(this.sql.renewMany, [
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

  async complete(job: PgBossClaimedJob): Promise<void> {
    await this.finish(job, this.sql.complete, []);
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
        await job.connection.client.query(this.sql.unlock, [job.lockName]);
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
      await job.connection.client.query(sql, [job.name, job.id, job.leaseToken, ...extra]);
      await job.connection.client.query(this.sql.unlock, [job.lockName]);
      this.letGo(job, false);
    } catch (error) {
      this.letGo(job, true);
      throw error;
    }
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

  private toClaimedJob(
    row: ClaimedRow,
    connection: HeldConnection,
    leaseToken: string,
    lockName: string,
  ): PgBossClaimedJob {
    return {
      id: row.id,
      name: row.name,
      key: row.singleton_key,
      connectionId: row.data?.connectionId ?? null,
      payload: row.data?.payload ?? null,
      attempt: row.retry_count + 1,
      connection,
      leaseToken,
      lockName,
      released: false,
    };
  }
}
