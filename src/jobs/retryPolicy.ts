/**
 * What to do with a job whose handler failed: a pure function of the error kind, the attempt that
 * failed and the retry options. Both queue adapters call it; neither has retry logic of its own.
 */
import type { ErrorKind } from '../shared/upstreamError.ts';
import type { RetryOptions } from './jobQueue.ts';

export type RetryDecision =
  | { action: 'retry'; delayMs: number }
  /** The connection is paused (onAuthFailure) and the job runs again after delayMs. */
  | { action: 'pause'; delayMs: number }
  | { action: 'dead' };

export type RetryPolicyOptions = Pick<RetryOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs'>;

/** Returns a number in [0, 1), like Math.random. */
export type RandomSource = () => number;

/**
 * Exponential backoff with full jitter: a random delay in [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))).
 * `attempt` is the 1-based attempt that just failed.
 */
export function backoffDelayMs(attempt: number, options: RetryPolicyOptions, random: RandomSource): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  const ceilingMs = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
  return Math.floor(random() * ceilingMs);
}

/**
 * @param kind the failure's error kind (classified at the client edge)
 * @param attempt the 1-based attempt that just failed
 * @param retryAfterSeconds the upstream's Retry-After, when it sent one
 */
export function decideRetry(
  kind: ErrorKind,
  attempt: number,
  options: RetryPolicyOptions,
  random: RandomSource,
  retryAfterSeconds?: number,
): RetryDecision {
  if (kind === 'permanent') return { action: 'dead' };
  if (attempt >= options.maxAttempts) return { action: 'dead' };
  switch (kind) {
    case 'transient':
    case 'rate_limited':
      // The upstream said when (a 429, or a 503 with Retry-After): then; else back off.
      if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0) {
        return { action: 'retry', delayMs: Math.ceil(retryAfterSeconds * 1000) };
      }
      return { action: 'retry', delayMs: backoffDelayMs(attempt, options, random) };
    case 'auth':
      // A person has to reconnect: trying again soon would only fail again.
      return { action: 'pause', delayMs: options.maxDelayMs };
    case 'conflict':
      // State-based jobs re-read both sides and re-merge: retry soon, with a little jitter.
      return {
        action: 'retry',
        delayMs: Math.floor(random() * Math.min(options.baseDelayMs, options.maxDelayMs)),
      };
  }
}
