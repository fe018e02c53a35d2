/**
 * Runs the alert evaluator as a scheduled job, like the Salesforce poll: one key per connection, so with any
 * number of processes on a shared queue it runs once per interval cluster-wide. An evaluation that fails is
 * logged and the next one is scheduled anyway; it never becomes a dead letter of its own.
 */
import type { JobQueue } from '../jobs/jobQueue.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { type ScheduledPayload, scheduleNext } from '../sync/dealJobs.ts';
import type { AlertEvaluator } from './alertEvaluator.ts';

export const ALERTS_EVALUATE_JOB = 'alerts.evaluate';

export interface AlertScheduleOptions {
  queue: JobQueue;
  evaluator: AlertEvaluator;
  connectionId: string;
  /** Claim this connection's evaluation jobs only (a deployment of several connections runs one schedule each). */
  scoped?: boolean;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
}

export async function startAlertSchedule(options: AlertScheduleOptions): Promise<void> {
  const { queue, evaluator, connectionId, clock, logger, intervalMs, scoped = false } = options;
  await queue.work<ScheduledPayload>(
    ALERTS_EVALUATE_JOB,
    async () => {
      try {
        await evaluator.evaluate();
      } catch (error) {
        logger.error(
          { reason: (error as Error).message },
          'alert evaluation failed: it runs again at the next interval',
        );
      } finally {
        await scheduleNext(
          queue,
          ALERTS_EVALUATE_JOB,
          connectionId,
          new Date(clock.now().getTime() + intervalMs),
        );
      }
    },
    { concurrency: 1, recurring: true, ...(scoped ? { connectionId } : {}) },
  );
  await scheduleNext(queue, ALERTS_EVALUATE_JOB, connectionId, clock.now(), { whenStarting: true });
}
