/**
 * The part both queue adapters share: fetch loops per job name, concurrency, lease renewal, and what
 * happens after a handler returns or throws (complete, retry by kind, pause, dead letter). Storage
 * specifics (SQL, locks) sit behind the JobStorage port each adapter implements.
 */
import type { Logger } from '../shared/logger.ts';
import { type ErrorKind, errorKindOf, toError } from '../shared/upstreamError.ts';
import type { DeadLetterRepository } from '../store/store.ts';
import type {
  BatchJobHandler,
  BatchJobOutcome,
  BatchWorkOptions,
  ClaimScope,
  EnqueueResult,
  Job,
  JobHandler,
  JobToEnqueue,
  QueueHooks,
  RetryOptions,
} from './jobQueue.ts';
import { decideRetry, type RandomSource } from './retryPolicy.ts';

/** A job this process has claimed and holds a lease on. */
export interface ClaimedJob {
  id: string;
  name: string;
  key: string;
  connectionId: string | null;
  payload: unknown;
  /** 1 on the first run. */
  attempt: number;
}

export interface JobStorage<C extends ClaimedJob> {
  /**
   * Claims up to `limit` of the oldest due jobs of this name (and connection, when given), all with different free
   * keys; none when nothing is due.
   */
  claimMany(name: string, leaseMs: number, limit: number, connectionId?: string): Promise<C[]>;
  /** Extends the lease; false when this process no longer holds the job. */
  renew(job: C, leaseMs: number): Promise<boolean>;
  /**
   * Extends the leases of many running jobs at once (a batch's jobs in one statement, not one round trip each);
   * one answer per job, in order. Default: renew() for each.
   */
  renewMany?(jobs: readonly C[], leaseMs: number): Promise<boolean[]>;
  complete(job: C): Promise<void>;
  /** Puts the job back to run after delayMs (attempt count kept). */
  reschedule(job: C, delayMs: number, error: Error): Promise<void>;
  /** Removes a job that has been dead-lettered. */
  remove(job: C, error: Error): Promise<void>;
  /** Gives the job back at once, e.g. when stop() times out while it runs. */
  release(job: C): Promise<void>;
  /** Frees what this process holds for the job without touching it (lease lost, or its outcome could not be saved). */
  abandon(job: C): Promise<void>;
}

export interface JobRunnerOptions {
  retry: RetryOptions;
  deadLetters: DeadLetterRepository;
  hooks: QueueHooks;
  pollIntervalMs: number;
  random: RandomSource;
  logger: Logger;
  now: () => Date;
}

interface BatchMode {
  handler: BatchJobHandler;
  batchSize: number;
  gatherMs: number;
  enqueue: (job: JobToEnqueue) => Promise<EnqueueResult>;
}

interface Registration {
  name: string;
  scope: ClaimScope;
  handler: JobHandler;
  /** Set for batch handlers: `running` then counts batches. */
  batch: BatchMode | null;
  /** Schedules its own next run: never dead-lettered for being abandoned (see WorkOptions.recurring). */
  recurring: boolean;
  concurrency: number;
  running: number;
  /** The fetch loop in progress, if any. */
  pumping: Promise<void> | null;
  pumpAgain: boolean;
  timer: NodeJS.Timeout;
  /** When fetching last failed and was logged: an outage is logged every FETCH_ERROR_LOG_INTERVAL_MS, not every poll. */
  fetchErrorLoggedAtMs: number;
}

interface RunningJob<C extends ClaimedJob> {
  claimed: C;
  controller: AbortController;
  leaseLost: boolean;
  /** stop() gave the job back while the handler still ran. */
  handedBack: boolean;
  /** The handler has returned and its outcome is being recorded. */
  settling: boolean;
  done: Promise<void>;
}

/**
 * The most jobs a batch gathers when its first job is on this attempt: the batch size, halved for each earlier
 * attempt, down to one. A job runs again when its batch failed or never finished (its worker died, or lost the
 * lease): smaller batches finish sooner — before the next crash of a worker that keeps dying — and a job that
 * itself brings its worker down ends up alone, so it alone is dead-lettered, not every job batched with it.
 */
export function retryBatchSize(batchSize: number, attempt: number): number {
  return Math.max(1, Math.floor(batchSize / 2 ** Math.min(Math.max(attempt - 1, 0), 30)));
}

/**
 * Splits a claimed batch so that no job runs beside more jobs than its own attempt allows (a batch gathered
 * after a first job at attempt 2 may hold jobs at attempt 3, which a retry made due meanwhile): jobs with the
 * most attempts first, each group no larger than retryBatchSize of its first job's attempt. Order within an
 * attempt is kept.
 */
export function retryGroups<T extends { attempt: number }>(jobs: readonly T[], batchSize: number): T[][] {
  const byAttempt = [...jobs].sort((a, b) => b.attempt - a.attempt);
  const groups: T[][] = [];
  let index = 0;
  while (index < byAttempt.length) {
    const size = retryBatchSize(batchSize, byAttempt[index]?.attempt ?? 1);
    groups.push(byAttempt.slice(index, index + size));
    index += size;
  }
  return groups;
}

/**
 * How many times a batch's size halves before it holds one job. A batch job gets this many attempts beyond
 * maxAttempts — claims when its worker keeps dying, and failures, since every claim counts as an attempt: by then
 * it has run alone, so a job that brings its worker down is the one dead-lettered, and the jobs batched with it
 * have had batches small enough to finish, and their own retries.
 */
export function halvingsToOne(batchSize: number): number {
  return Math.ceil(Math.log2(Math.max(1, batchSize)));
}

export const DEFAULT_POLL_INTERVAL_MS = 100;
/** A batch gathers for at most this many gathering windows. */
const MAX_GATHER_ROUNDS = 10;
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;
const FETCH_ERROR_LOG_INTERVAL_MS = 30_000;

export class JobRunner<C extends ClaimedJob> {
  private readonly registrations = new Map<string, Registration>();
  private readonly running = new Set<RunningJob<C>>();
  private readonly renewTimer: NodeJS.Timeout;
  private stopped = false;
  private renewing = false;
  private wakeScheduled = false;

  constructor(
    private readonly storage: JobStorage<C>,
    private readonly options: JobRunnerOptions,
  ) {
    const renewEveryMs = Math.max(10, Math.floor(options.retry.leaseMs / 3));
    this.renewTimer = setInterval(() => void this.renewLeases(), renewEveryMs);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  register(
    name: string,
    handler: JobHandler,
    concurrency: number,
    scope: ClaimScope & { recurring?: boolean } = {},
  ): void {
    this.add(name, handler, null, concurrency, scope, scope.recurring === true);
  }

  registerBatch(
    name: string,
    handler: BatchJobHandler,
    options: BatchWorkOptions,
    enqueue: (job: JobToEnqueue) => Promise<EnqueueResult>,
  ): void {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new Error(
        `Batch size for job "${name}" must be a whole number of at least 1 (got ${options.batchSize}).`,
      );
    }
    const single: JobHandler = async () => {
      throw new Error(`Job "${name}" is handled in batches.`);
    };
    this.add(
      name,
      single,
      { handler, batchSize: options.batchSize, gatherMs: Math.max(0, options.gatherMs), enqueue },
      options.concurrency,
      options,
    );
  }

  private add(
    name: string,
    handler: JobHandler,
    batch: BatchMode | null,
    concurrency: number,
    { connectionId, mayClaim }: ClaimScope,
    recurring = false,
  ): void {
    if (this.stopped) throw new Error(`Cannot start work on "${name}": the queue has been stopped.`);
    // One registration per name, or one per name and connection.
    const id = connectionId === undefined ? name : `${name}\u0000${connectionId}`;
    const clash = [...this.registrations.values()].some(
      (other) =>
        other.name === name &&
        (connectionId === undefined ||
          other.scope.connectionId === undefined ||
          other.scope.connectionId === connectionId),
    );
    if (clash) {
      throw new Error(
        `A handler for job "${name}"${connectionId === undefined ? '' : ` of connection ${connectionId}`} is already registered on this queue; register each job name once (per connection).`,
      );
    }
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(
        `Concurrency for job "${name}" must be a whole number of at least 1 (got ${concurrency}).`,
      );
    }
    const registration: Registration = {
      name,
      scope: {
        ...(connectionId === undefined ? {} : { connectionId }),
        ...(mayClaim === undefined ? {} : { mayClaim }),
      },
      handler,
      batch,
      recurring,
      concurrency,
      running: 0,
      pumping: null,
      pumpAgain: false,
      fetchErrorLoggedAtMs: Number.NEGATIVE_INFINITY,
      timer: setInterval(() => void this.pump(registration), this.options.pollIntervalMs),
    };
    this.registrations.set(id, registration);
    void this.pump(registration);
  }

  /**
   * After a run ends: look for work once the runs ending at the same moment (a batch of completions) have all
   * freed their slots, so one claim fills them all instead of one claim per slot.
   */
  private wakeSoon(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wake();
    });
  }

  /** Looks for work now instead of at the next poll (after a local enqueue). */
  wake(name?: string): void {
    for (const registration of this.registrations.values()) {
      if (name === undefined || registration.name === name) void this.pump(registration);
    }
  }

  async stop(timeoutMs: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const registration of this.registrations.values()) clearInterval(registration.timer);
    await Promise.all([...this.registrations.values()].map((registration) => registration.pumping));
    const allDone = Promise.all([...this.running].map((run) => run.done));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      allDone.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    clearInterval(this.renewTimer);
    if (timedOut) {
      const settling: Array<Promise<void>> = [];
      for (const run of this.running) {
        if (run.settling) {
          settling.push(run.done);
          continue;
        }
        run.handedBack = true;
        run.controller.abort(new Error('The job queue is stopping.'));
        await this.storage.release(run.claimed).catch((error: unknown) => {
          this.options.logger.warn({ err: error, jobId: run.claimed.id }, 'could not release job on stop');
        });
      }
      // Outcomes already being written finish before storage closes.
      await Promise.all(settling);
    }
  }

  private pump(registration: Registration): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (registration.pumping !== null) {
      registration.pumpAgain = true;
      return registration.pumping;
    }
    registration.pumping = this.fetchLoop(registration).finally(() => {
      registration.pumping = null;
    });
    return registration.pumping;
  }

  private async fetchLoop(registration: Registration): Promise<void> {
    try {
      do {
        registration.pumpAgain = false;
        while (!this.stopped && registration.running < registration.concurrency) {
          if (registration.scope.mayClaim && !(await registration.scope.mayClaim())) break;
          if (registration.batch) {
            if (!(await this.claimBatch(registration, registration.batch))) break;
            continue;
          }
          // Every free slot in one claim (one transaction for several jobs, where the storage can).
          const claimed = await this.storage.claimMany(
            registration.name,
            this.options.retry.leaseMs,
            registration.concurrency - registration.running,
            registration.scope.connectionId,
          );
          if (claimed.length === 0) break;
          if (this.stopped) {
            for (const job of claimed) await this.storage.release(job);
            break;
          }
          for (const job of claimed) this.start(registration, job);
        }
      } while (registration.pumpAgain && !this.stopped);
    } catch (error) {
      const nowMs = Date.now();
      if (nowMs - registration.fetchErrorLoggedAtMs >= FETCH_ERROR_LOG_INTERVAL_MS) {
        registration.fetchErrorLoggedAtMs = nowMs;
        this.options.logger.error(
          { err: error, job: registration.name },
          'job queue: fetching work failed; retrying at every poll (check the database)',
        );
      }
    }
  }

  /** Claims a batch (after the gathering window) and starts it; false when nothing was due. */
  private async claimBatch(registration: Registration, batch: BatchMode): Promise<boolean> {
    const leaseMs = this.options.retry.leaseMs;
    const { connectionId } = registration.scope;
    const [first] = await this.storage.claimMany(registration.name, leaseMs, 1, connectionId);
    if (first === undefined) return false;
    const claimed: C[] = [first];
    // A batch whose first job ran before is smaller (see retryBatchSize); the rest already due come at once.
    const limit = retryBatchSize(batch.batchSize, first.attempt);
    // A lone job starts at once: a webhook never waits the gathering window. While batches run and more jobs are
    // due (a burst, a backfill), the batch gathers: it waits a moment for others and keeps gathering while they
    // still arrive (at most MAX_GATHER_ROUNDS windows), so a burst fills whole batches.
    let gather = 0;
    for (let round = 0; round <= gather && claimed.length < limit; round += 1) {
      if (round > 0 && batch.gatherMs > 0)
        await new Promise((resolve) => setTimeout(resolve, batch.gatherMs));
      if (this.stopped) break;
      let more: C[];
      try {
        more = await this.storage.claimMany(registration.name, leaseMs, limit - claimed.length, connectionId);
      } catch (error) {
        // The jobs claimed so far are held: run them rather than leave them (and their locks) behind.
        this.options.logger.warn(
          { err: error, job: registration.name },
          'job queue: gathering a batch failed',
        );
        break;
      }
      claimed.push(...more);
      if (round === 0 && registration.running > 0 && more.length > 0) gather = MAX_GATHER_ROUNDS;
      if (round > 0 && (more.length === 0 || batch.gatherMs === 0)) break;
    }
    if (this.stopped) {
      for (const job of claimed) await this.storage.release(job);
      return false;
    }
    this.startBatch(registration, batch, claimed);
    return true;
  }

  private startBatch(registration: Registration, batch: BatchMode, claimed: C[]): void {
    registration.running += 1;
    const runs: RunningJob<C>[] = claimed.map((job) => ({
      claimed: job,
      controller: new AbortController(),
      leaseLost: false,
      handedBack: false,
      settling: false,
      done: Promise.resolve(),
    }));
    const done = this.executeBatch(batch, runs).finally(() => {
      registration.running -= 1;
      for (const run of runs) this.running.delete(run);
      this.wakeSoon();
    });
    for (const run of runs) {
      run.done = done;
      this.running.add(run);
    }
  }

  private jobOf(run: RunningJob<C>): Job {
    const { claimed } = run;
    return {
      id: claimed.id,
      name: claimed.name,
      key: claimed.key,
      connectionId: claimed.connectionId,
      payload: claimed.payload,
      attempt: claimed.attempt,
      signal: run.controller.signal,
    };
  }

  private async executeBatch(batch: BatchMode, runs: RunningJob<C>[]): Promise<void> {
    const live: RunningJob<C>[] = [];
    for (const run of runs) {
      if (run.claimed.attempt > this.options.retry.maxAttempts + halvingsToOne(batch.batchSize)) {
        await this.settle(run, () =>
          this.deadLetter(run, this.jobOf(run), 'transient', abandonedError(run.claimed)),
        );
      } else live.push(run);
    }
    // One group after the other: a job that brings its worker down takes only its own group's unsettled jobs.
    for (const group of retryGroups(
      live.map((run) => ({ run, attempt: run.claimed.attempt })),
      batch.batchSize,
    )) {
      const runsOfGroup = group.map(({ run }) => run);
      let outcomes: BatchJobOutcome[];
      try {
        outcomes = await batch.handler(runsOfGroup.map((run) => this.jobOf(run)));
      } catch (thrown) {
        outcomes = runsOfGroup.map(() => toError(thrown));
      }
      // Settled together, so the storage can record the batch's completions at once (one statement or transaction).
      await Promise.all(
        runsOfGroup.map((run, i) => {
          const outcome =
            i < outcomes.length ? outcomes[i]! : new Error('The batch handler gave no outcome for this job.');
          return this.settle(run, async () => {
            if (outcome === null) return this.storage.complete(run.claimed);
            if (outcome instanceof Error)
              return this.handleFailure(run, this.jobOf(run), outcome, halvingsToOne(batch.batchSize));
            await batch.enqueue(outcome.requeue);
            await this.storage.complete(run.claimed);
          });
        }),
      );
    }
  }

  /** Records one job's outcome unless its lease was lost or it was handed back. */
  private async settle(run: RunningJob<C>, record: () => Promise<void>): Promise<void> {
    if (run.handedBack) return;
    run.settling = true;
    try {
      if (run.leaseLost) {
        await this.storage.abandon(run.claimed);
        return;
      }
      await record();
    } catch (error) {
      this.options.logger.error(
        { err: error, jobId: run.claimed.id, job: run.claimed.name },
        'job queue: could not record a job outcome; the job runs again when its lease expires',
      );
      await this.storage.abandon(run.claimed).catch(() => undefined);
    }
  }

  private start(registration: Registration, claimed: C): void {
    registration.running += 1;
    const controller = new AbortController();
    const run: RunningJob<C> = {
      claimed,
      controller,
      leaseLost: false,
      handedBack: false,
      settling: false,
      done: Promise.resolve(),
    };
    // The slot is free once the handler has returned: the next claim need not wait for this outcome to be recorded
    // (the job keeps its key until then, so no job of that key is claimed meanwhile). stop() still waits for it.
    let slotHeld = true;
    const freeSlot = () => {
      if (!slotHeld) return;
      slotHeld = false;
      registration.running -= 1;
      this.wakeSoon();
    };
    run.done = this.execute(registration, run, freeSlot).finally(() => {
      freeSlot();
      this.running.delete(run);
    });
    this.running.add(run);
  }

  private async execute(registration: Registration, run: RunningJob<C>, freeSlot: () => void): Promise<void> {
    const { claimed } = run;
    const job = this.jobOf(run);
    try {
      if (claimed.attempt > this.options.retry.maxAttempts && !registration.recurring) {
        // Only a job whose lease expired again and again gets here: its worker keeps dying.
        await this.deadLetter(run, job, 'transient', abandonedError(claimed));
        return;
      }
      let failure: unknown;
      let failed = false;
      try {
        await registration.handler(job);
      } catch (thrown) {
        failed = true;
        failure = thrown;
      }
      freeSlot();
      if (run.handedBack) return;
      run.settling = true;
      if (run.leaseLost) {
        await this.storage.abandon(claimed);
        return;
      }
      if (!failed) {
        await this.storage.complete(claimed);
        return;
      }
      // A recurring job's next run is already scheduled by its handler: its failures never use up its attempts.
      await this.handleFailure(run, job, failure, registration.recurring ? Number.MAX_SAFE_INTEGER : 0);
    } catch (error) {
      this.options.logger.error(
        { err: error, jobId: claimed.id, job: claimed.name },
        'job queue: could not record a job outcome; the job runs again when its lease expires',
      );
      if (!run.handedBack) await this.storage.abandon(claimed).catch(() => undefined);
    }
  }

  /**
   * `extraAttempts`: a batch job's claims beyond maxAttempts (see halvingsToOne), which its failures may use too;
   * unlimited for a recurring job.
   */
  private async handleFailure(
    run: RunningJob<C>,
    job: Job,
    thrown: unknown,
    extraAttempts = 0,
  ): Promise<void> {
    const error = toError(thrown);
    const kind = errorKindOf(thrown);
    const retryAfterSeconds = retryAfterSecondsOf(thrown);
    const decision = decideRetry(
      kind,
      job.attempt,
      { ...this.options.retry, maxAttempts: this.options.retry.maxAttempts + extraAttempts },
      this.options.random,
      retryAfterSeconds,
    );
    const fields = {
      jobId: job.id,
      job: job.name,
      key: job.key,
      attempt: job.attempt,
      kind,
      decision: decision.action,
      error: error.message,
    };
    // A record changed since the job read it: expected with two systems being edited, and retried at once.
    if (kind === 'conflict' && decision.action === 'retry')
      this.options.logger.info(fields, 'job runs again: a record changed after it was read');
    else this.options.logger.warn(fields, 'job failed');
    if (decision.action === 'dead') {
      await this.deadLetter(run, job, kind, error);
      return;
    }
    if (decision.action === 'pause')
      await this.callHook(() => this.options.hooks.onAuthFailure?.(job.connectionId, error));
    await this.storage.reschedule(run.claimed, decision.delayMs, error);
  }

  private async deadLetter(run: RunningJob<C>, job: Job, kind: ErrorKind, error: Error): Promise<void> {
    await this.options.deadLetters.add({
      connectionId: job.connectionId,
      jobName: job.name,
      jobKey: job.key,
      payload: job.payload,
      attempts: job.attempt,
      errorKind: kind,
      errorMessage: error.message,
      failedAt: this.options.now().toISOString(),
    });
    await this.storage.remove(run.claimed, error);
    await this.callHook(() => this.options.hooks.onDeadLetter?.(job, kind, error));
  }

  private async callHook(call: () => Promise<void> | void | undefined): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.options.logger.error({ err: error }, 'job queue: a hook failed');
    }
  }

  private async renewLeases(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      await this.renewEach();
    } finally {
      this.renewing = false;
    }
  }

  private async renewEach(): Promise<void> {
    const runs = [...this.running].filter((run) => !run.leaseLost && !run.settling && !run.handedBack);
    if (runs.length === 0) return;
    const { leaseMs } = this.options.retry;
    let held: boolean[];
    try {
      held = this.storage.renewMany
        ? await this.storage.renewMany(
            runs.map((run) => run.claimed),
            leaseMs,
          )
        : await this.renewOneByOne(runs, leaseMs);
    } catch (error) {
      this.options.logger.warn({ err: error, jobs: runs.length }, 'job queue: lease renewal failed');
      return;
    }
    for (const [i, run] of runs.entries()) {
      // A job that settled meanwhile was renewed for nothing; its outcome is already recorded.
      if (held[i] !== false || run.leaseLost || run.settling) continue;
      run.leaseLost = true;
      run.controller.abort(new Error('The job lease was lost: another worker may run this job now.'));
    }
  }

  /** renew() for each job; a job whose renewal failed for a moment counts as held (the next round tries again). */
  private async renewOneByOne(runs: readonly RunningJob<C>[], leaseMs: number): Promise<boolean[]> {
    const held: boolean[] = [];
    for (const run of runs) {
      try {
        held.push(await this.storage.renew(run.claimed, leaseMs));
      } catch (error) {
        this.options.logger.warn({ err: error, jobId: run.claimed.id }, 'job queue: lease renewal failed');
        held.push(true);
      }
    }
    return held;
  }
}

const abandonedError = (claimed: ClaimedJob): Error =>
  new Error(
    `The job was abandoned ${claimed.attempt - 1} times (its worker stopped before finishing); ` +
      'check the worker logs, fix the cause, then redrive it.',
  );

function retryAfterSecondsOf(thrown: unknown): number | undefined {
  const value = (thrown as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof value === 'number' ? value : undefined;
}
