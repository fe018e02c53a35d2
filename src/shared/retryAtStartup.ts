/**
 * A start-up step that an upstream may refuse for a moment (a 429, a 5xx, a dropped connection): tried again
 * with growing waits, for up to `budgetMs`, instead of making the process exit. Refusals that waiting cannot fix
 * (`auth`, `permanent`) are thrown at once, so a wrong setting is still reported straight away.
 */
import type { Logger } from './logger.ts';
import { errorKindOf, toError, UpstreamError } from './upstreamError.ts';

export interface RetryAtStartupOptions {
  logger: Logger;
  /** Give up (throw the last error) once this long has been spent waiting. Default 60 s. */
  budgetMs?: number;
  /** The first wait; each next one doubles, up to 10 s (a Retry-After the upstream sent wins). Default 500 ms. */
  firstDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const MAX_DELAY_MS = 10_000;

export async function retryAtStartup<T>(
  what: string,
  step: () => Promise<T>,
  options: RetryAtStartupOptions,
): Promise<T> {
  const budgetMs = options.budgetMs ?? 60_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let waitedMs = 0;
  let delayMs = options.firstDelayMs ?? 500;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      const kind = errorKindOf(error);
      if (kind === 'auth' || kind === 'permanent' || waitedMs >= budgetMs) throw error;
      const retryAfterMs =
        error instanceof UpstreamError && error.retryAfterSeconds !== undefined
          ? error.retryAfterSeconds * 1000
          : null;
      const waitMs = Math.min(retryAfterMs ?? delayMs, MAX_DELAY_MS, budgetMs - waitedMs);
      options.logger.warn(
        { kind, waitMs, err: toError(error).message },
        `${what} failed for now; trying again in ${Math.ceil(waitMs / 1000)} s`,
      );
      await sleep(waitMs);
      waitedMs += waitMs;
      delayMs = Math.min(delayMs * 2, MAX_DELAY_MS);
    }
  }
}
