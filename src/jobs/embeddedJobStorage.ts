/**
 * SQL for the embedded queue (better-sqlite3). Every write that depends on what it read runs in a
 * BEGIN IMMEDIATE transaction, so claims stay correct across processes sharing the file.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { EnqueueResult, JobToEnqueue } from './jobQueue.ts';
import type { ClaimedJob, JobStorage } from './jobRunner.ts';

export interface EmbeddedClaimedJob extends ClaimedJob {
  leaseToken: string;
}

interface JobRow {
  id: number;
  name: string;
  job_key: string;
  connection_id: string | null;
  payload: string;
  attempts: number;
}

export class EmbeddedJobStorage implements JobStorage<EmbeddedClaimedJob> {
  private readonly statements;
  private readonly completing: { id: number; token: string; done: (error?: unknown) => void }[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly nowMs: () => number,
  ) {
    this.statements = {
      // Two index-friendly lookups instead of one OR (which made SQLite sort every job of the name on each
      // claim, slowing a large backlog down): abandoned runs first, then due jobs in due order.
      findExpired: db.prepare<{ name: string; now: number; connection: string | null }, { id: number }>(`
        SELECT j.id FROM queue_job j
        WHERE j.name = @name AND j.state = 'running' AND j.locked_until_ms < @now
          AND (@connection IS NULL OR j.connection_id = @connection)
          AND NOT EXISTS (
            SELECT 1 FROM queue_job r
            WHERE r.job_key = j.job_key AND r.state = 'running' AND r.locked_until_ms >= @now AND r.id <> j.id
          )
        ORDER BY j.locked_until_ms
        LIMIT 1`),
      findDue: db.prepare<{ name: string; now: number; connection: string | null }, { id: number }>(`
        SELECT j.id FROM queue_job j INDEXED BY queue_job_due
        WHERE j.name = @name AND j.state = 'pending' AND j.run_at_ms <= @now
          AND (@connection IS NULL OR j.connection_id = @connection)
          AND NOT EXISTS (
            SELECT 1 FROM queue_job r
            WHERE r.job_key = j.job_key AND r.state = 'running' AND r.locked_until_ms >= @now AND r.id <> j.id
          )
        ORDER BY j.run_at_ms, j.id
        LIMIT 1`),
      markRunning: db.prepare<{ id: number; lockedUntil: number; token: string }, JobRow>(`
        UPDATE queue_job SET state = 'running', attempts = attempts + 1, locked_until_ms = @lockedUntil,
          lease_token = @token
        WHERE id = @id
        RETURNING id, name, job_key, connection_id, payload, attempts`),
      renew: db.prepare<{ id: number; token: string; lockedUntil: number }>(
        `UPDATE queue_job SET locked_until_ms = @lockedUntil WHERE id = @id AND lease_token = @token AND state = 'running'`,
      ),
      remove: db.prepare<{ id: number; token: string }>(
        'DELETE FROM queue_job WHERE id = @id AND lease_token = @token',
      ),
      reschedule: db.prepare<{ id: number; token: string; runAt: number; lastError: string | null }>(`
        UPDATE queue_job SET state = 'pending', run_at_ms = @runAt, locked_until_ms = NULL, lease_token = NULL,
          last_error = COALESCE(@lastError, last_error)
        WHERE id = @id AND lease_token = @token`),
      findPending: db.prepare<{ name: string; key: string }, { id: number; run_at_ms: number }>(`
        SELECT id, run_at_ms FROM queue_job
        WHERE name = @name AND job_key = @key AND state = 'pending' AND attempts = 0
        ORDER BY id LIMIT 1`),
      pullForward: db.prepare<{ id: number; runAt: number }>(
        'UPDATE queue_job SET run_at_ms = MIN(run_at_ms, @runAt) WHERE id = @id',
      ),
      insert: db.prepare<
        {
          name: string;
          key: string;
          connectionId: string | null;
          payload: string;
          runAt: number;
          createdAt: string;
        },
        { id: number }
      >(`
        INSERT INTO queue_job (name, job_key, connection_id, payload, state, attempts, run_at_ms, created_at)
        VALUES (@name, @key, @connectionId, @payload, 'pending', 0, @runAt, @createdAt)
        RETURNING id`),
      stats: db.prepare<{ now: number }, { pending: number; running: number }>(`
        SELECT
          COALESCE(SUM(CASE WHEN state = 'pending' OR locked_until_ms < @now THEN 1 ELSE 0 END), 0) AS pending,
          COALESCE(SUM(CASE WHEN state = 'running' AND locked_until_ms >= @now THEN 1 ELSE 0 END), 0) AS running
        FROM queue_job`),
    };
  }

  enqueue(job: JobToEnqueue): EnqueueResult {
    return this.enqueueMany([job])[0]!;
  }

  /** Every job in one write transaction. */
  enqueueMany(jobs: readonly JobToEnqueue[]): EnqueueResult[] {
    return this.db.transaction(() => jobs.map((job) => this.enqueueIn(job))).immediate();
  }

  private enqueueIn(job: JobToEnqueue): EnqueueResult {
    const now = this.nowMs();
    const runAt = job.runAt === undefined ? now : job.runAt.getTime();
    if (job.coalesce !== false) {
      const existing = this.statements.findPending.get({ name: job.name, key: job.key });
      if (existing !== undefined) {
        if (job.keepPendingRunAt !== true) this.statements.pullForward.run({ id: existing.id, runAt });
        return { id: String(existing.id), coalesced: true };
      }
    }
    const inserted = this.statements.insert.get({
      name: job.name,
      key: job.key,
      connectionId: job.connectionId ?? null,
      payload: JSON.stringify(job.payload ?? null),
      runAt,
      createdAt: new Date(now).toISOString(),
    });
    if (inserted === undefined) throw new Error('The job queue could not store the job.');
    return { id: String(inserted.id), coalesced: false };
  }

  /**
   * Up to `limit` due jobs in one transaction (one write lock, not one per job). Each claimed job holds its key,
   * so the next lookup skips jobs of the same deal: every job claimed together has a key of its own.
   */
  async claimMany(
    name: string,
    leaseMs: number,
    limit: number,
    connectionId?: string,
  ): Promise<EmbeddedClaimedJob[]> {
    const now = this.nowMs();
    const connection = connectionId ?? null;
    const claimed = this.db
      .transaction(() => {
        const rows: { row: JobRow; token: string }[] = [];
        // Abandoned runs first. Looking for them reads every running job of the name, so once none is left the
        // rest of the claim takes due jobs only (claiming never makes a run abandoned).
        let expiredLeft = true;
        while (rows.length < limit) {
          let candidate = expiredLeft
            ? this.statements.findExpired.get({ name, now, connection })
            : undefined;
          if (candidate === undefined) {
            expiredLeft = false;
            candidate = this.statements.findDue.get({ name, now, connection });
          }
          if (candidate === undefined) break;
          const token = randomUUID();
          const row = this.statements.markRunning.get({
            id: candidate.id,
            lockedUntil: now + leaseMs,
            token,
          });
          if (row === undefined) break;
          rows.push({ row, token });
        }
        return rows;
      })
      .immediate();
    return claimed.map(({ row, token }) => ({
      id: String(row.id),
      name: row.name,
      key: row.job_key,
      connectionId: row.connection_id,
      payload: JSON.parse(row.payload) as unknown,
      attempt: row.attempts,
      leaseToken: token,
    }));
  }

  async renew(job: EmbeddedClaimedJob, leaseMs: number): Promise<boolean> {
    const result = this.statements.renew.run({
      id: Number(job.id),
      token: job.leaseToken,
      lockedUntil: this.nowMs() + leaseMs,
    });
    return result.changes === 1;
  }

  /** Completions asked for in the same turn of the event loop are recorded in one transaction. */
  complete(job: EmbeddedClaimedJob): Promise<void> {
    return new Promise((resolve, reject) => {
      this.completing.push({
        id: Number(job.id),
        token: job.leaseToken,
        done: (error) => (error === undefined ? resolve() : reject(error)),
      });
      if (this.completing.length === 1) setImmediate(() => this.completeWaiting());
    });
  }

  private completeWaiting(): void {
    const waiting = this.completing.splice(0);
    try {
      this.db.transaction(() => {
        for (const { id, token } of waiting) this.statements.remove.run({ id, token });
      })();
    } catch (error) {
      for (const { done } of waiting) done(error);
      return;
    }
    for (const { done } of waiting) done();
  }

  async remove(job: EmbeddedClaimedJob): Promise<void> {
    this.statements.remove.run({ id: Number(job.id), token: job.leaseToken });
  }

  async reschedule(job: EmbeddedClaimedJob, delayMs: number, error: Error): Promise<void> {
    this.statements.reschedule.run({
      id: Number(job.id),
      token: job.leaseToken,
      runAt: this.nowMs() + delayMs,
      lastError: error.message,
    });
  }

  async release(job: EmbeddedClaimedJob): Promise<void> {
    this.statements.reschedule.run({
      id: Number(job.id),
      token: job.leaseToken,
      runAt: this.nowMs(),
      lastError: null,
    });
  }

  async abandon(_job: EmbeddedClaimedJob): Promise<void> {
    // Nothing is held outside the row: its lease simply runs out.
  }

  stats(): { pending: number; running: number } {
    return this.statements.stats.get({ now: this.nowMs() }) ?? { pending: 0, running: 0 };
  }
}
