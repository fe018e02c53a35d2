import { describe, expect, it } from 'vitest';
import { FailedAttemptLimiter } from './failedAttemptLimiter.ts';

describe('FailedAttemptLimiter', () => {
  it('limits an address after maxFailures in its window and frees it when the window ends', () => {
    let nowMs = 1_000_000;
    const limiter = new FailedAttemptLimiter({ maxFailures: 3, windowMs: 10_000, now: () => nowMs });
    for (let failure = 0; failure < 3; failure += 1) {
      expect(limiter.retryAfterSeconds('10.0.0.1')).toBeNull();
      limiter.recordFailure('10.0.0.1');
    }
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(10);
    expect(limiter.retryAfterSeconds('10.0.0.2')).toBeNull();
    nowMs += 9_001;
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(1);
    nowMs += 999;
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBeNull();
    expect(limiter.trackedAddresses).toBe(0);
  });

  it('tracks at most maxAddresses, forgetting the least recently failing first', () => {
    const limiter = new FailedAttemptLimiter({ maxFailures: 1, maxAddresses: 100, now: () => 0 });
    const address = (index: number) => `198.51.${index >> 8}.${index & 255}`;
    limiter.recordFailure('kept');
    for (let index = 0; index < 100_000; index += 1) {
      limiter.recordFailure(address(index));
      if (index % 50 === 0) limiter.recordFailure('kept');
    }
    expect(limiter.trackedAddresses).toBe(100);
    expect(limiter.retryAfterSeconds('kept')).not.toBeNull();
    expect(limiter.retryAfterSeconds(address(0))).toBeNull();
    expect(limiter.retryAfterSeconds(address(99_999))).not.toBeNull();
  });
});
