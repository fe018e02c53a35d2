import type { FieldChange as DealFieldChange } from '../domain/coSellDeal.ts';
import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { FieldChange as AuditFieldChange, Store } from '../store/store.ts';
import type { DealSyncTrigger } from './jobNames.ts';
import type { PartnerCenterPort, SalesforcePort } from './syncPorts.ts';

/** Everything one deal sync needs; built once by app.ts and shared by every job. */
export interface DealSyncDeps {
  connectionId: string;
  store: Store;
  partnerCenter: PartnerCenterPort;
  salesforce: SalesforcePort;
  mapping: Mapping;
  clock: Clock;
  logger: Logger;
}

export interface DealSyncInput {
  referralId?: string | undefined;
  opportunityId?: string | undefined;
  trigger: DealSyncTrigger | 'cli';
  /** Plan only: read both sides, compute what would be written, write nothing. */
  dryRun?: boolean;
}

export type DealSyncAction =
  | 'create_opportunity'
  | 'create_referral'
  | 'create_lead'
  | 'update'
  | 'noop'
  | 'pause'
  | 'skip'
  | 'invalid';

/** What a sync did (or, in a dry run, would do). */
export interface DealSyncResult {
  action: DealSyncAction;
  linkId: string | null;
  referralId: string | null;
  opportunityId: string | null;
  toSalesforce: AuditFieldChange[];
  toPartnerCenter: AuditFieldChange[];
  conflicts: { field: string; winner: string }[];
  message: string;
  /** What caused this sync (webhook, poll, reconcile, …). */
  trigger: DealSyncInput['trigger'];
  dryRun: boolean;
}

/** Converts domain field changes into audit rows for one side. */
export function auditChanges(
  changes: readonly DealFieldChange[],
  side: AuditFieldChange['side'],
): AuditFieldChange[] {
  return changes.map((change) => ({ field: change.field, side, before: change.before, after: change.after }));
}
