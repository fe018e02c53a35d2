/**
 * The durable job queue port. Two adapters: embedded (tables in the SQLite store, polling) and
 * pg-boss 10 on Postgres. One contract suite (test/support/jobQueueContract.ts) runs against both.
 *
 * Guarantees every adapter gives:
 * - per-key serialization: two jobs with the same key never run at once; different keys run in parallel;
 * - coalescing: enqueueing a key that already has a *pending* (not yet started) job of the same name
 *   returns that job instead of adding another;
 * - retries by error kind (see retryPolicy.ts): transient -> exponential backoff with jitter,
 *   rate_limited -> at retryAfterSeconds, auth -> the connection is paused (onAuthFailure) and the job
 *   waits, permanent -> dead letter at once; maxAttempts reached -> dead letter;
 * - leases: a job whose worker died runs again once its lease expires;
 * - dead letters land in the store's dead_letter table and can be redriven.
 */
import type { ErrorKind } from '../shared/upstreamError.ts';

export interface JobToEnqueue<P = unknown> {
  name: string;
  /** Serialization key, e.g. `deal:<connectionId>:<referralId|opportunityId>`. */
  key: string;
  connectionId?: string;
  payload: P;
  runAt?: Date;
  /**
   * Default true: when a job of the same name and key is pending (not started yet), return it instead of
   * adding another (its runAt moves earlier if this one is due sooner; it keeps its own payload, so do not
   * rely on per-enqueue payload fields such as an inbox id being seen). A running job never absorbs an
   * enqueue: a change that arrives while a sync runs causes another run. false always adds a job.
   */
  coalesce?: boolean;
  /**
   * When it coalesces into a pending job, leave that job's runAt as it is instead of moving it earlier: a worker
   * that joins a cluster asks for the scheduled passes (poll, reconcile) to exist without bringing the next one
   * forward, so they still run once per interval cluster-wide.
   */
  keepPendingRunAt?: boolean;
}

export interface Job<P = unknown> {
  id: string;
  name: string;
  key: string;
  connectionId: string | null;
  payload: P;
  /** 1 on the first run. */
  attempt: number;
  /** Aborted when the lease is lost or the queue stops: long handlers should check it. */
  signal: AbortSignal;
}

export type JobHandler<P = unknown> = (job: Job<P>) => Promise<void>;

/** Which jobs of a name a registration claims: one connection's (several registrations of a name may coexist). */
export interface ClaimScope {
  /** Claim only jobs of this connection (default: jobs of every connection, one registration per name). */
  connectionId?: string;
  /** Asked before each claim: false claims nothing this time (a paused connection's jobs wait, others go on). */
  mayClaim?: () => boolean | Promise<boolean>;
}

export interface WorkOptions extends ClaimScope {
  concurrency: number;
  /**
   * The job schedules its own next run (a poll, a reconcile pass): however often its worker died under it, it
   * runs again rather than being dead-lettered, which would stop the schedule until the next start.
   */
  recurring?: boolean;
}

/**
 * Per job of a batch: null when it succeeded, the error it failed with otherwise (retried by its kind), or
 * `{ requeue }` when it must run again under another key (enqueued there, this job completed).
 */
export type BatchJobOutcome = null | Error | { requeue: JobToEnqueue };

/** Handles a batch of jobs (all different keys); returns one outcome per job, in order. */
export type BatchJobHandler<P = unknown> = (jobs: Job<P>[]) => Promise<BatchJobOutcome[]>;

export interface BatchWorkOptions extends ClaimScope {
  /** Batches running at once. */
  concurrency: number;
  /** Most jobs claimed into one batch. */
  batchSize: number;
  /** After the first due job, wait this long for more to arrive so bursts batch (0 = no wait). */
  gatherMs: number;
}

export interface EnqueueResult {
  id: string;
  coalesced: boolean;
}

export interface QueueStats {
  pending: number;
  running: number;
  deadLetters: number;
}

export interface JobQueue {
  enqueue<P>(job: JobToEnqueue<P>): Promise<EnqueueResult>;
  /** Enqueues several jobs in one transaction (one commit, not one each); results in order. */
  enqueueMany<P>(jobs: readonly JobToEnqueue<P>[]): Promise<EnqueueResult[]>;
  /** Registers the handler for a job name and starts fetching. */
  work<P>(name: string, handler: JobHandler<P>, options: WorkOptions): Promise<void>;
  /** Registers a batch handler: up to batchSize due jobs of different keys are claimed and handled together. */
  workBatch<P>(name: string, handler: BatchJobHandler<P>, options: BatchWorkOptions): Promise<void>;
  /** Puts a dead-lettered job back on the queue (attempts reset) and removes the dead letter. */
  redrive(deadLetterId: string): Promise<EnqueueResult>;
  stats(): Promise<QueueStats>;
  /** Stops fetching, waits for running handlers (up to timeoutMs), then releases resources. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

export interface RetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Lease length: a job not finished by then is considered abandoned and runs again. */
  leaseMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  maxAttempts: 8,
  baseDelayMs: 1_000,
  maxDelayMs: 10 * 60_000,
  // Renewed every leaseMs/3 while the handler runs, so a long sync keeps it; a killed worker's job runs again
  // within this time.
  leaseMs: 30_000,
};

export interface QueueHooks {
  /** Called when a handler fails with kind 'auth': pause the connection and tell a person. */
  onAuthFailure?: (connectionId: string | null, error: Error) => Promise<void> | void;
  /** Called when a job is dead-lettered. */
  onDeadLetter?: (job: Job, kind: ErrorKind, error: Error) => Promise<void> | void;
}
