/** Options every queue adapter accepts, and their defaults. */
import type { Clock } from '../shared/clock.ts';
import { systemClock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { silentLogger } from '../shared/logger.ts';
import type { DeadLetterRepository } from '../store/store.ts';
import type { QueueHooks, RetryOptions } from './jobQueue.ts';
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
