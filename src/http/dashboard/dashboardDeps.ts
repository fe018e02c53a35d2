/** What the dashboard's deal, overview and mapping routes need beyond the store and the queue. */
import type { ConnectionLimits } from '../../config/connectionConfig.ts';
import type { HealthCheck } from '../../shared/healthCheck.ts';
import type { DealSyncDeps } from '../../sync/dealSyncContext.ts';
import type { DealLinks } from './dealSummary.ts';

export interface DashboardDeps extends DealLinks {
  /** Reads both sides for the deal page, dry runs and mapping tests (nothing is written through it here). */
  sync: DealSyncDeps;
  /** Salesforce's daily API usage as last reported, or null before the first call. */
  salesforceApiUsage: () => { used: number; max: number } | null;
  salesforceApiBudgetRatio: number;
  /** The connection's API budget and concurrency caps, as the Overview shows them. */
  limits?: ConnectionLimits | undefined;
  /** The sign-ins' and the webhook's health for the Overview (doctor's checks, kept for a minute). */
  health?: { checks(): Promise<HealthCheck[]>; forget(): void } | undefined;
}
