/** A deal as read and planned, and what the caller is told about it. */
import type { AuditDraft, DealPlan, LinkUpdate } from '../domain/dealPlan.ts';
import type { NewAuditEntry, NewLink } from '../store/store.ts';
import { linkDealKey, newDealKey } from './dealJobs.ts';
import type { DealSyncDeps, DealSyncResult } from './dealSyncContext.ts';
import type { DealRead } from './readDealBatch.ts';

export interface PlannedDeal {
  read: DealRead;
  plan: DealPlan;
}

/** The deal's key as the reads now know it (the link's, else by the referral id, else by the opportunity id). */
export function canonicalKey(deps: Pick<DealSyncDeps, 'connectionId'>, read: DealRead): string {
  if (read.link) return linkDealKey(read.link);
  return newDealKey(deps.connectionId, {
    referralId: read.referral?.id ?? read.request.referralId ?? null,
    opportunityId: read.opportunity?.opportunityId ?? read.request.opportunityId ?? null,
  });
}

/** A plan as the caller sees it. */
export function resultOf(
  read: DealRead,
  plan: DealPlan,
  overrides: Partial<DealSyncResult> = {},
): DealSyncResult {
  return {
    action: plan.action,
    linkId: plan.linkId,
    referralId: plan.referralId,
    opportunityId: plan.opportunityId,
    toSalesforce: plan.toSalesforce,
    toPartnerCenter: plan.toPartnerCenter,
    conflicts: plan.conflicts,
    message: plan.message,
    trigger: read.request.trigger,
    dryRun: false,
    ...overrides,
  };
}

/** A new link row from the link's planned state, keyed by the deal's key. */
export function newLinkFrom(
  deps: Pick<DealSyncDeps, 'connectionId'>,
  read: DealRead,
  fields: LinkUpdate,
  defaultObject: NewLink['salesforceObject'] = 'opportunity',
): NewLink {
  return {
    connectionId: deps.connectionId,
    referralId: fields.referralId ?? null,
    opportunityId: fields.opportunityId ?? null,
    salesforceObject: fields.salesforceObject ?? defaultObject,
    engagementId: fields.engagementId ?? null,
    base: fields.base ?? null,
    pcETag: fields.pcETag ?? null,
    sfSystemModstamp: fields.sfSystemModstamp ?? null,
    state: fields.state,
    lastError: fields.lastError ?? null,
    dealKey: canonicalKey(deps, read),
  };
}

/** The audit row for a planned entry, on the deal's link (or its ids when it has none). */
export function auditEntryFrom(
  deps: Pick<DealSyncDeps, 'connectionId' | 'clock'>,
  ids: { linkId: string | null; referralId: string | null; opportunityId: string | null },
  draft: AuditDraft,
): NewAuditEntry {
  return {
    connectionId: deps.connectionId,
    ...ids,
    at: deps.clock.now().toISOString(),
    trigger: draft.trigger,
    direction: draft.direction,
    outcome: draft.outcome,
    changes: draft.changes,
    error: draft.error ?? null,
    message: draft.message,
  };
}
