/**
 * The embedded job queue: tables in the SQLite store's file, opened with its own better-sqlite3
 * handle (WAL, busy_timeout), polled by each worker. Claims are BEGIN IMMEDIATE transactions, so
 * per-key serialization holds across processes that share the file.
 */
import Database from 'better-sqlite3';
import { type EmbeddedClaimedJob, EmbeddedJobStorage } from './embeddedJobStorage.ts';
import { migrateEmbeddedQueue } from './embeddedQueueMigrations.ts';
import type {
  EnqueueResult,
  JobHandler,
  JobQueue,
  JobToEnqueue,
  QueueStats,
  WorkOptions,
} from './jobQueue.ts';
import { DEFAULT_STOP_TIMEOUT_MS, JobRunner } from './jobRunner.ts';
import {
  countDeadLetters,
  type QueueSettings,
  redriveDeadLetter,
  resolveRunnerOptions,
} from './queueSettings.ts';

export interface EmbeddedQueueOptions extends QueueSettings {
  /** The SQLite store's database file. */
  path: string;
  /** How long a write waits for another process's write lock (default 5000 ms). */
  busyTimeoutMs?: number;
}

export class EmbeddedQueue implements JobQueue {
  private readonly db: Database.Database;
  private readonly storage: EmbeddedJobStorage;
  private readonly runner: JobRunner<EmbeddedClaimedJob>;
  private readonly settings: QueueSettings;
  private closed = false;

  constructor(options: EmbeddedQueueOptions) {
    const runnerOptions = resolveRunnerOptions(options);
    this.settings = options;
    this.db = new Database(options.path);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5_000))}`);
      this.db.pragma('synchronous = NORMAL');
      migrateEmbeddedQueue(this.db, runnerOptions.now().toISOString());
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.storage = new EmbeddedJobStorage(this.db, () => runnerOptions.now().getTime());
    this.runner = new JobRunner(this.storage, runnerOptions);
  }

  async enqueue<P>(job: JobToEnqueue<P>): Promise<EnqueueResult> {
    this.assertOpen('enqueue');
    const result = this.storage.enqueue(job);
    this.runner.wake(job.name);
    return result;
  }

  async work<P>(name: string, handler: JobHandler<P>, options: WorkOptions): Promise<void> {
    this.assertOpen('work');
    this.runner.register(name, handler as JobHandler, options.concurrency);
  }

  async redrive(deadLetterId: string): Promise<EnqueueResult> {
    this.assertOpen('redrive');
    return redriveDeadLetter(this.settings.deadLetters, deadLetterId, (job) => this.enqueue(job));
  }

  async stats(): Promise<QueueStats> {
    this.assertOpen('stats');
    const { pending, running } = this.storage.stats();
    return { pending, running, deadLetters: await countDeadLetters(this.settings.deadLetters) };
  }

  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    await this.runner.stop(options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    this.closed = true;
    this.db.close();
  }

  private assertOpen(operation: string): void {
    if (this.closed || this.runner.isStopped) {
      throw new Error(`Cannot ${operation}: the job queue has been stopped. Open a new queue to continue.`);
    }
  }
}
