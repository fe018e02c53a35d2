import { describe, expect, it } from 'vitest';
import { silentLogger } from './logger.ts';
import { retryAtStartup } from './retryAtStartup.ts';
import { UpstreamError } from './upstreamError.ts';

const refusal = (kind: UpstreamError['kind'], retryAfterSeconds?: number) =>
  new UpstreamError({
    kind,
    upstream: 'salesforce',
    message: `refused (${kind})`,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });

function steps(outcomes: (Error | string)[]) {
  let calls = 0;
  return {
    calls: () => calls,
    step: async () => {
      const outcome = outcomes[calls] ?? 'done';
      calls += 1;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
}

describe('retryAtStartup', () => {
  it('waits through 429s and 5xx, doubling the wait, and returns what the step returns', async () => {
    const waits: number[] = [];
    const run = steps([refusal('transient'), refusal('rate_limited'), refusal('transient'), 'ready']);
    const result = await retryAtStartup('Describe', run.step, {
      logger: silentLogger,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(result).toBe('ready');
    expect(run.calls()).toBe(4);
    expect(waits).toEqual([500, 1000, 2000]);
  });

  it('honours a Retry-After, capped at 10 s', async () => {
    const waits: number[] = [];
    const run = steps([refusal('rate_limited', 3), refusal('rate_limited', 3600), 'ready']);
    await retryAtStartup('Describe', run.step, {
      logger: silentLogger,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(waits).toEqual([3000, 10_000]);
  });

  it('throws a refusal that waiting cannot fix at once', async () => {
    for (const kind of ['auth', 'permanent'] as const) {
      const run = steps([refusal(kind), 'ready']);
      await expect(
        retryAtStartup('Sign-in', run.step, { logger: silentLogger, sleep: async () => {} }),
      ).rejects.toThrow(`refused (${kind})`);
      expect(run.calls()).toBe(1);
    }
  });

  it('gives up with the last error once the budget is spent', async () => {
    const run = steps(Array.from({ length: 100 }, () => refusal('transient')));
    let waitedMs = 0;
    await expect(
      retryAtStartup('Describe', run.step, {
        logger: silentLogger,
        budgetMs: 5_000,
        sleep: async (ms) => {
          waitedMs += ms;
        },
      }),
    ).rejects.toThrow('refused (transient)');
    expect(waitedMs).toBe(5_000);
    expect(run.calls()).toBeLessThan(10);
  });
});
