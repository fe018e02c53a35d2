/**
 * Opens the configured job queue: `embedded` (tables in the SQLite store's file) or `pg-boss`
 * (Postgres). The kinds match config `queue.kind`. Only the composition root should call this.
 */
import { EmbeddedQueue, type EmbeddedQueueOptions } from './embeddedQueue.ts';
import type { JobQueue } from './jobQueue.ts';
import type { PgBossQueueOptions } from './pgBossQueue.ts';

export type JobQueueOptions =
  | ({ kind: 'embedded' } & EmbeddedQueueOptions)
  | ({ kind: 'pg-boss' } & PgBossQueueOptions);

export async function openJobQueue(options: JobQueueOptions): Promise<JobQueue> {
  if (options.kind === 'embedded') {
    const { kind: _kind, ...embedded } = options;
    return new EmbeddedQueue(embedded);
  }
  const { kind: _kind, ...pgBoss } = options;
  // Loaded on demand: a single-process install never needs pg-boss.
  const { PgBossQueue } = await import('./pgBossQueue.ts');
  return PgBossQueue.start(pgBoss);
}
