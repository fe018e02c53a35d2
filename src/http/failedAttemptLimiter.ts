/**
 * Counts failed admin-token checks per client address in fixed windows, in process memory. An address with
 * `maxFailures` failures in its window is refused until the window ends. Memory is bounded: at most
 * `maxAddresses` addresses are tracked, and the least recently failing one is forgotten first.
 */
export interface FailedAttemptLimiterOptions {
  /** Failures allowed per window. Default 10. */
  maxFailures?: number;
  /** Default 60 000. */
  windowMs?: number;
  /** Default 10 000. */
  maxAddresses?: number;
  now?: () => number;
}

interface Window {
  startedAtMs: number;
  failures: number;
}

export class FailedAttemptLimiter {
  readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;
  /** In order of last failure: the first entry is the one to forget when full. */
  private readonly windows = new Map<string, Window>();

  constructor(options: FailedAttemptLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds until the address may try again, or null when it may try now. */
  retryAfterSeconds(address: string): number | null {
    const window = this.current(address);
    if (!window || window.failures < this.maxFailures) return null;
    return Math.max(1, Math.ceil((window.startedAtMs + this.windowMs - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    const window = this.current(address) ?? { startedAtMs: this.now(), failures: 0 };
    window.failures += 1;
    this.windows.delete(address);
    this.windows.set(address, window);
    while (this.windows.size > this.maxAddresses) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
  }

  /** How many addresses are tracked now (for tests and metrics). */
  get trackedAddresses(): number {
    return this.windows.size;
  }

  private current(address: string): Window | undefined {
    const window = this.windows.get(address);
    if (window && this.now() - window.startedAtMs >= this.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }
}
