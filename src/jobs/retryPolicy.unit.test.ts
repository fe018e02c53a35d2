import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, decideRetry } from './retryPolicy.ts';

const options = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
const almostOne = () => 0.999_999;
const zero = () => 0;

describe('decideRetry', () => {
  it('dead-letters a permanent failure on the first attempt', () => {
    expect(decideRetry('permanent', 1, options, almostOne)).toEqual({ action: 'dead' });
  });

  it('dead-letters any kind once attempts reach maxAttempts', () => {
    for (const kind of ['transient', 'rate_limited', 'auth', 'conflict'] as const) {
      expect(decideRetry(kind, 5, options, almostOne, 3)).toEqual({ action: 'dead' });
      expect(decideRetry(kind, 4, options, almostOne, 3).action).not.toBe('dead');
    }
  });

  it('backs off exponentially for transient failures, capped at maxDelayMs', () => {
    expect(decideRetry('transient', 1, options, almostOne)).toEqual({ action: 'retry', delayMs: 99 });
    expect(decideRetry('transient', 2, options, almostOne)).toEqual({ action: 'retry', delayMs: 199 });
    expect(decideRetry('transient', 3, options, almostOne)).toEqual({ action: 'retry', delayMs: 399 });
    const late = decideRetry('transient', 4, { ...options, maxAttempts: 100 }, almostOne);
    expect(late).toEqual({ action: 'retry', delayMs: 799 });
    const capped = decideRetry('transient', 40, { ...options, maxAttempts: 100 }, almostOne);
    expect(capped).toEqual({ action: 'retry', delayMs: 999 });
  });

  it('uses full jitter: the delay can be anything from zero up to the ceiling', () => {
    expect(decideRetry('transient', 3, options, zero)).toEqual({ action: 'retry', delayMs: 0 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const delayMs = backoffDelayMs(attempt, options, () => r);
          return delayMs >= 0 && delayMs < options.maxDelayMs && Number.isInteger(delayMs);
        },
      ),
    );
  });

  it('waits exactly Retry-After for rate limits, and backs off when there is none', () => {
    expect(decideRetry('rate_limited', 1, options, zero, 30)).toEqual({ action: 'retry', delayMs: 30_000 });
    expect(decideRetry('rate_limited', 1, options, zero, 0.5)).toEqual({ action: 'retry', delayMs: 500 });
    expect(decideRetry('rate_limited', 2, options, almostOne)).toEqual({ action: 'retry', delayMs: 199 });
  });

  it('waits Retry-After for a transient failure that carries one (a 503 with Retry-After)', () => {
    expect(decideRetry('transient', 1, options, almostOne, 5)).toEqual({ action: 'retry', delayMs: 5_000 });
    expect(decideRetry('transient', 5, options, almostOne, 5)).toEqual({ action: 'dead' });
  });

  it('pauses on auth failures and retries only after the long delay', () => {
    expect(decideRetry('auth', 1, options, zero)).toEqual({ action: 'pause', delayMs: 1_000 });
  });

  it('retries conflicts soon (within baseDelayMs) so the job re-reads and re-merges', () => {
    const decision = decideRetry('conflict', 1, options, almostOne);
    expect(decision).toEqual({ action: 'retry', delayMs: 99 });
    expect(decideRetry('conflict', 3, options, almostOne)).toEqual({ action: 'retry', delayMs: 99 });
  });
});
