import { describe, expect, it } from 'vitest';
import { parseRetryAfterSeconds } from './parseRetryAfterSeconds.ts';

describe('parseRetryAfterSeconds', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const nowMs = Date.parse('2026-03-01T10:00:00Z');
    expect(parseRetryAfterSeconds('57', nowMs)).toBe(57);
    expect(parseRetryAfterSeconds('Sun, 01 Mar 2026 10:00:30 GMT', nowMs)).toBe(30);
    expect(parseRetryAfterSeconds('Sun, 01 Mar 2026 09:00:00 GMT', nowMs)).toBe(0);
    expect(parseRetryAfterSeconds(null, nowMs)).toBeNull();
    expect(parseRetryAfterSeconds('soon', nowMs)).toBeNull();
  });
});
