/**
 * Job names and payloads. Every change, whatever its source, becomes a `deal.sync` job keyed by the
 * deal, so one deal never syncs twice at once and pending duplicates coalesce.
 */
import type { JobToEnqueue } from '../jobs/jobQueue.ts';

export const JOB = {
  /** Read both sides of one deal, merge against the base, write the difference, store base + audit. */
  dealSync: 'deal.sync',
  /** A related (Microsoft-side) referral changed: find our referral in the engagement and sync it. */
  relatedReferral: 'partnerCenter.related',
  /** Poll Salesforce for changed opportunities (scheduled, once per interval cluster-wide). */
  salesforcePoll: 'salesforce.poll',
  /** List recently updated referrals and enqueue their deals, healing lost webhooks (scheduled). */
  reconcile: 'partnerCenter.reconcile',
} as const;

export type DealSyncTrigger = 'webhook' | 'poll' | 'reconcile' | 'backfill' | 'retry' | 'related';

export interface DealSyncPayload {
  connectionId: string;
  referralId?: string;
  opportunityId?: string;
  trigger: DealSyncTrigger;
  /** Inbox row to mark processed when the job succeeds. */
  inboxId?: string;
}

export interface RelatedReferralPayload {
  connectionId: string;
  microsoftReferralId: string;
  inboxId?: string;
}

export interface ScheduledPayload {
  connectionId: string;
}

/** The serialization key of a deal: by referral id when known (the stable id on both sides), else by opportunity. */
export function dealJobKey(
  connectionId: string,
  ids: { referralId?: string | null; opportunityId?: string | null },
): string {
  if (ids.referralId) return `deal:${connectionId}:referral:${ids.referralId}`;
  if (ids.opportunityId) return `deal:${connectionId}:opportunity:${ids.opportunityId}`;
  throw new Error('dealJobKey needs a referral id or an opportunity id');
}

export const scheduledJobKey = (name: string, connectionId: string): string => `${name}:${connectionId}`;

/** The deal-sync job for an existing link (retry from the CLI or the admin API). */
export function linkSyncJob(
  connectionId: string,
  link: { referralId: string | null; opportunityId: string | null },
  trigger: DealSyncTrigger,
): JobToEnqueue<DealSyncPayload> {
  return {
    name: JOB.dealSync,
    key: dealJobKey(connectionId, link),
    connectionId,
    payload: {
      connectionId,
      trigger,
      ...(link.referralId ? { referralId: link.referralId } : {}),
      ...(link.opportunityId ? { opportunityId: link.opportunityId } : {}),
    },
  };
}
