/**
 * The embedded job queue: tables in the SQLite store's file, opened with its own better-sqlite3
 * handle (WAL, busy_timeout), polled by each worker. Claims are BEGIN IMMEDIATE transactions, so
 * per-key serialization holds across processes that share the file.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type EmbeddedClaimedJob, EmbeddedJobStorage } from './embeddedJobStorage.ts';
import { migrateEmbeddedQueue } from './embeddedQueueMigrations.ts';
import type { EnqueueResult, JobToEnqueue } from './jobQueue.ts';
import { JobRunner } from './jobRunner.ts';
import { type QueueSettings, resolveRunnerOptions } from './queueSettings.ts';
import { RunnerQueue } from './runnerQueue.ts';

export interface EmbeddedQueueOptions extends QueueSettings {
  /** The SQLite store's database file. */
  path: string;
  /** How long a write waits for another process's write lock (default 5000 ms). */
  busyTimeoutMs?: number;
}

function openDatabase(options: EmbeddedQueueOptions, nowIso: string): Database.Database {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5_000))}`);
    db.pragma('synchronous = NORMAL');
    migrateEmbeddedQueue(db, nowIso);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export class EmbeddedQueue extends RunnerQueue<EmbeddedClaimedJob> {
  private readonly db: Database.Database;
  private readonly storage: EmbeddedJobStorage;

  constructor(options: EmbeddedQueueOptions) {
    const runnerOptions = resolveRunnerOptions(options);
    const db = openDatabase(options, runnerOptions.now().toISOString());
    const storage = new EmbeddedJobStorage(db, () => runnerOptions.now().getTime());
    super(new JobRunner(storage, runnerOptions), options.deadLetters);
    this.db = db;
    this.storage = storage;
  }

  async enqueue<P>(job: JobToEnqueue<P>): Promise<EnqueueResult> {
    this.assertOpen('enqueue');
    const result = this.storage.enqueue(job);
    this.runner.wake(job.name);
    return result;
  }

  async enqueueMany<P>(jobs: readonly JobToEnqueue<P>[]): Promise<EnqueueResult[]> {
    this.assertOpen('enqueue');
    const results = this.storage.enqueueMany(jobs);
    for (const name of new Set(jobs.map((job) => job.name))) this.runner.wake(name);
    return results;
  }

  protected async countJobs(): Promise<{ pending: number; running: number }> {
    return this.storage.stats();
  }

  protected async close(): Promise<void> {
    this.db.close();
  }
}
