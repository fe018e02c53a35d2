/**
 * Salesforce's daily API usage for the alert evaluator. Every Salesforce response reports it
 * (Sforce-Limit-Info), so a process that talks to Salesforce knows it for free; a process that does not
 * (`cosell serve --no-worker`) would keep an old or no reading. When there is none, or it has not moved for
 * `refreshAfterMs`, this asks `/limits` once (one API request), then goes back to the free readings.
 */
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { ApiUsage, SalesforceClient } from './salesforceClient.ts';

export interface ApiUsageReaderOptions {
  client: SalesforceClient;
  clock: Clock;
  logger: Logger;
  /** Ask /limits when the free reading has not changed for this long (default 15 minutes). */
  refreshAfterMs?: number;
}

interface LimitsBody {
  DailyApiRequests?: { Max?: number; Remaining?: number };
}

export class ApiUsageReader {
  private last: { used: number; max: number; changedAtMs: number } | null = null;

  constructor(private readonly options: ApiUsageReaderOptions) {}

  async read(): Promise<ApiUsage | null> {
    const nowMs = this.options.clock.now().getTime();
    const seen = this.options.client.apiUsage();
    if (seen && (!this.last || seen.used !== this.last.used || seen.max !== this.last.max)) {
      this.last = { ...seen, changedAtMs: nowMs };
      return seen;
    }
    const refreshAfterMs = this.options.refreshAfterMs ?? 15 * 60_000;
    if (this.last && nowMs - this.last.changedAtMs < refreshAfterMs)
      return { used: this.last.used, max: this.last.max };
    try {
      const limits = await this.options.client.call(
        'read the org API limits',
        (conn) => conn.limits() as Promise<LimitsBody>,
      );
      const daily = limits.DailyApiRequests;
      if (typeof daily?.Max !== 'number' || typeof daily.Remaining !== 'number') return seen;
      const usage = { used: Math.max(0, daily.Max - daily.Remaining), max: daily.Max };
      this.last = { ...usage, changedAtMs: nowMs };
      return usage;
    } catch (error) {
      this.options.logger.warn(
        { reason: (error as Error).message },
        'could not read the Salesforce API limits',
      );
      return seen;
    }
  }
}
