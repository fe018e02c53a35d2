import type { DealPlan } from '../domain/dealPlan.ts';
import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Store } from '../store/store.ts';
import type { DealSyncTrigger } from './dealJobs.ts';
import type { PartnerCenterPort, SalesforcePort } from './syncPorts.ts';

export type { DealSyncAction } from '../domain/dealPlan.ts';

/** Everything a deal sync needs; built once by app.ts and shared by every job. */
export interface DealSyncDeps {
  connectionId: string;
  store: Store;
  partnerCenter: PartnerCenterPort;
  salesforce: SalesforcePort;
  mapping: Mapping;
  clock: Clock;
  logger: Logger;
  /** How many Partner Center calls one batch makes at once (default 8). */
  partnerCenterConcurrency?: number;
}

export interface DealSyncInput {
  referralId?: string | undefined;
  opportunityId?: string | undefined;
  trigger: DealSyncTrigger;
  /** Plan only: read both sides, compute what would be written, write nothing. */
  dryRun?: boolean;
}

/** What a sync did (or, in a dry run, would do): the plan's outcome as applied. */
export type DealSyncResult = Pick<
  DealPlan,
  | 'action'
  | 'linkId'
  | 'referralId'
  | 'opportunityId'
  | 'toSalesforce'
  | 'toPartnerCenter'
  | 'conflicts'
  | 'message'
> & {
  /** What caused this sync (webhook, poll, reconcile, …). */
  trigger: DealSyncTrigger;
  dryRun: boolean;
};
