/**
 * Options every queue adapter accepts, their defaults, and the pieces of JobQueue behaviour that do
 * not depend on storage (redrive, dead-letter counting).
 */
import type { Clock } from '../shared/clock.ts';
import { systemClock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { silentLogger } from '../shared/logger.ts';
import type { DeadLetterRepository } from '../store/store.ts';
import type { EnqueueResult, JobToEnqueue, QueueHooks, RetryOptions } from './jobQueue.ts';
import { DEFAULT_RETRY_OPTIONS } from './jobQueue.ts';
import { DEFAULT_POLL_INTERVAL_MS, type JobRunnerOptions } from './jobRunner.ts';
import type { RandomSource } from './retryPolicy.ts';

export interface QueueSettings {
  /** Where dead jobs are written (the store's dead_letter table). */
  deadLetters: DeadLetterRepository;
  retry?: Partial<RetryOptions>;
  hooks?: QueueHooks;
  /** How often each job name looks for due work when nothing woke it (default 100 ms). */
  pollIntervalMs?: number;
  /** Jitter source for backoff; Math.random by default. */
  random?: RandomSource;
  clock?: Clock;
  logger?: Logger;
}

/** Upper bound on dead letters counted by stats(). */
export const DEAD_LETTER_COUNT_LIMIT = 100_000;

export function resolveRunnerOptions(settings: QueueSettings): JobRunnerOptions {
  const retry = { ...DEFAULT_RETRY_OPTIONS, ...settings.retry };
  if (retry.maxAttempts < 1)
    throw new Error(`retry.maxAttempts must be at least 1 (got ${retry.maxAttempts}).`);
  if (retry.leaseMs < 30) throw new Error(`retry.leaseMs must be at least 30 ms (got ${retry.leaseMs}).`);
  const clock = settings.clock ?? systemClock;
  return {
    retry,
    deadLetters: settings.deadLetters,
    hooks: settings.hooks ?? {},
    pollIntervalMs: settings.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    random: settings.random ?? Math.random,
    logger: settings.logger ?? silentLogger,
    now: () => clock.now(),
  };
}

/** Re-enqueues a dead-lettered job as a new job (attempts start again at 1) and removes the dead letter. */
export async function redriveDeadLetter(
  deadLetters: DeadLetterRepository,
  deadLetterId: string,
  enqueue: (job: JobToEnqueue) => Promise<EnqueueResult>,
): Promise<EnqueueResult> {
  const deadLetter = await deadLetters.get(deadLetterId);
  if (deadLetter === null) {
    throw new Error(
      `Dead letter ${deadLetterId} does not exist; it may have been redriven already. List them with cosell status.`,
    );
  }
  const job: JobToEnqueue = { name: deadLetter.jobName, key: deadLetter.jobKey, payload: deadLetter.payload };
  if (deadLetter.connectionId !== null) job.connectionId = deadLetter.connectionId;
  const result = await enqueue(job);
  await deadLetters.remove(deadLetterId);
  return result;
}

export async function countDeadLetters(deadLetters: DeadLetterRepository): Promise<number> {
  return (await deadLetters.list({ limit: DEAD_LETTER_COUNT_LIMIT })).length;
}
