/**
 * What both queue adapters do the same way on top of a JobRunner: work registration, redrive,
 * stats with the dead-letter count, and an orderly stop. Adapters add storage: enqueue, job counts, close.
 */
import type { DeadLetterRepository } from '../store/store.ts';
import type {
  BatchJobHandler,
  BatchWorkOptions,
  EnqueueResult,
  JobHandler,
  JobQueue,
  JobToEnqueue,
  QueueStats,
  WorkOptions,
} from './jobQueue.ts';
import { type ClaimedJob, DEFAULT_STOP_TIMEOUT_MS, type JobRunner } from './jobRunner.ts';

/** Upper bound on dead letters counted by stats(). */
export const DEAD_LETTER_COUNT_LIMIT = 100_000;

export abstract class RunnerQueue<C extends ClaimedJob> implements JobQueue {
  private closed = false;

  protected constructor(
    protected readonly runner: JobRunner<C>,
    private readonly deadLetters: DeadLetterRepository,
  ) {}

  abstract enqueue<P>(job: JobToEnqueue<P>): Promise<EnqueueResult>;

  abstract enqueueMany<P>(jobs: readonly JobToEnqueue<P>[]): Promise<EnqueueResult[]>;

  /** Jobs waiting (including those whose lease lapsed) and jobs running under a live lease. */
  protected abstract countJobs(): Promise<{ pending: number; running: number }>;

  /** Releases storage once no handler runs any more. */
  protected abstract close(): Promise<void>;

  /** Adapter checks and preparation before a job name gets workers. */
  protected async prepareWork(_name: string, _concurrency: number): Promise<void> {}

  async work<P>(name: string, handler: JobHandler<P>, options: WorkOptions): Promise<void> {
    this.assertOpen('work');
    await this.prepareWork(name, options.concurrency);
    this.runner.register(name, handler as JobHandler, options.concurrency, options);
  }

  async workBatch<P>(name: string, handler: BatchJobHandler<P>, options: BatchWorkOptions): Promise<void> {
    this.assertOpen('work');
    await this.prepareWork(name, options.concurrency);
    this.runner.registerBatch(name, handler as BatchJobHandler, options, (job) => this.enqueue(job));
  }

  async redrive(deadLetterId: string): Promise<EnqueueResult> {
    this.assertOpen('redrive');
    const deadLetter = await this.deadLetters.get(deadLetterId);
    if (deadLetter === null) {
      throw new Error(
        `Dead letter ${deadLetterId} does not exist; it may have been redriven already. List the current ones with cosell status.`,
      );
    }
    const job: JobToEnqueue = {
      name: deadLetter.jobName,
      key: deadLetter.jobKey,
      payload: deadLetter.payload,
    };
    if (deadLetter.connectionId !== null) job.connectionId = deadLetter.connectionId;
    const result = await this.enqueue(job);
    await this.deadLetters.remove(deadLetterId);
    return result;
  }

  async stats(): Promise<QueueStats> {
    this.assertOpen('stats');
    const counts = await this.countJobs();
    const deadLetters = (await this.deadLetters.list({ limit: DEAD_LETTER_COUNT_LIMIT })).length;
    return { ...counts, deadLetters };
  }

  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    await this.runner.stop(options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    this.closed = true;
    await this.close();
  }

  protected assertOpen(operation: string): void {
    if (this.closed || this.runner.isStopped) {
      throw new Error(`Cannot ${operation}: the job queue has been stopped. Open a new queue to continue.`);
    }
  }
}
