/**
 * The one way into the queue for deal syncs. The webhook route, the inbox drain, the poller, the reconciler,
 * retry, the admin API and `cosell sync` all build their jobs here, so one deal has one serialization key
 * whatever id a trigger knows: the key stored on the deal's link (the key of the job that first recorded the
 * deal), resolved through the link table at enqueue — and again when the job runs (see syncDealBatch).
 */
import type { EnqueueResult, JobQueue, JobToEnqueue } from '../jobs/jobQueue.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';
import type { LinkRow, Store } from '../store/store.ts';

export const JOB = {
  /** Read both sides of a deal, plan, apply, store base + audit (claimed in batches). */
  dealSync: 'deal.sync',
  /** A related (Microsoft-side) referral changed: find our referral in the engagement and sync it. */
  relatedReferral: 'partnerCenter.related',
  /** Poll Salesforce for changed opportunities (scheduled, once per interval cluster-wide). */
  salesforcePoll: 'salesforce.poll',
  /** List recently updated referrals and enqueue their deals, healing lost webhooks (scheduled). */
  reconcile: 'partnerCenter.reconcile',
} as const;

export type DealSyncTrigger = 'webhook' | 'poll' | 'reconcile' | 'backfill' | 'retry' | 'related' | 'cli';

export interface DealSyncPayload {
  connectionId: string;
  referralId?: string;
  opportunityId?: string;
  trigger: DealSyncTrigger;
  /** Inbox row to mark processed when the job succeeds. */
  inboxId?: string;
  /** The `cosell sync` run waiting for this job's outcome, and which of its deals this is. */
  runId?: string;
  runIndex?: number;
  /** The referral as a listing returned it (backfill, reconcile): the job need not read it again. */
  referral?: PcReferral;
  /**
   * The other referrals of its engagement in the same complete listing (backfill): not listed again. Stored
   * without `referral` itself; read it back with relatedOf.
   */
  related?: PcReferral[];
}

/** The engagement's referrals a payload carries, the listed referral included (as a listing returns them). */
export const relatedOf = (
  payload: Pick<DealSyncPayload, 'referral' | 'related'>,
): PcReferral[] | undefined => {
  const { referral, related } = payload;
  if (!referral || !related) return undefined;
  return related.some((each) => each.id === referral.id) ? related : [referral, ...related];
};

export interface RelatedReferralPayload {
  connectionId: string;
  microsoftReferralId: string;
  inboxId?: string;
}

export interface ScheduledPayload {
  connectionId: string;
}

/** What a trigger knows of a deal. */
export interface DealSyncRequest {
  referralId?: string | null | undefined;
  opportunityId?: string | null | undefined;
  trigger: DealSyncTrigger;
  inboxId?: string;
  runId?: string;
  runIndex?: number;
  referral?: PcReferral;
  /** The engagement's other referrals, from the same listing as `referral` (a complete one: backfill). */
  related?: PcReferral[];
  /** `referral` (and `related`) were read by this very process moments ago: plan from them, whatever the trigger. */
  readJustNow?: boolean;
}

/** The key of a deal that has no link yet: by referral id when known, else by opportunity id. */
export function newDealKey(
  connectionId: string,
  ids: { referralId?: string | null | undefined; opportunityId?: string | null | undefined },
): string {
  if (ids.referralId) return `deal:${connectionId}:referral:${ids.referralId}`;
  if (ids.opportunityId) return `deal:${connectionId}:opportunity:${ids.opportunityId}`;
  throw new Error('A deal sync needs a referral id or an opportunity id.');
}

/** The key of a linked deal: the one stored on the link, else (links older than the key) the same rule as new deals. */
export const linkDealKey = (
  link: Pick<LinkRow, 'connectionId' | 'dealKey' | 'referralId' | 'opportunityId'>,
) => link.dealKey ?? newDealKey(link.connectionId, link);

export const scheduledJobKey = (name: string, connectionId: string): string => `${name}:${connectionId}`;
export const relatedJobKey = (connectionId: string, microsoftReferralId: string): string =>
  `related:${connectionId}:${microsoftReferralId}`;

/** The link of a deal, by any id a trigger knows. */
export async function findDealLink(
  store: Pick<Store, 'links'>,
  connectionId: string,
  ids: { referralId?: string | null | undefined; opportunityId?: string | null | undefined },
): Promise<LinkRow | null> {
  return (
    (ids.referralId ? await store.links.findByReferralId(connectionId, ids.referralId) : null) ??
    (ids.opportunityId ? await store.links.findByOpportunityId(connectionId, ids.opportunityId) : null)
  );
}

/** The deal's serialization key, resolved through the link table. */
export async function dealKeyFor(
  store: Pick<Store, 'links'>,
  connectionId: string,
  ids: { referralId?: string | null | undefined; opportunityId?: string | null | undefined },
): Promise<string> {
  const link = await findDealLink(store, connectionId, ids);
  return link ? linkDealKey(link) : newDealKey(connectionId, ids);
}

/** Builds the deal-sync job for a request, its key resolved through the link table. */
export async function dealSyncJob(
  deps: { store: Pick<Store, 'links'>; connectionId: string },
  request: DealSyncRequest,
): Promise<JobToEnqueue<DealSyncPayload>> {
  const { connectionId } = deps;
  const link = await findDealLink(deps.store, connectionId, request);
  const referralId = request.referralId ?? link?.referralId ?? null;
  const opportunityId = request.opportunityId ?? link?.opportunityId ?? null;
  const payload: DealSyncPayload = {
    connectionId,
    trigger: request.trigger,
    ...(referralId ? { referralId } : {}),
    ...(opportunityId ? { opportunityId } : {}),
    ...(request.inboxId ? { inboxId: request.inboxId } : {}),
    ...(request.runId ? { runId: request.runId } : {}),
    ...(request.runIndex !== undefined ? { runIndex: request.runIndex } : {}),
    ...(request.referral ? { referral: request.referral } : {}),
    // The referral itself is not repeated in `related` (it is put back when the job runs: relatedOf).
    ...(request.referral && request.related
      ? { related: request.related.filter((referral) => referral.id !== request.referral?.id) }
      : {}),
  };
  return {
    name: JOB.dealSync,
    key: link ? linkDealKey(link) : newDealKey(connectionId, request),
    connectionId,
    payload,
    // A `cosell sync` run waits for its own jobs' outcomes: never fold them into a pending job.
    ...(request.runId ? { coalesce: false } : {}),
  };
}

/** Enqueues a deal sync under the deal's key. */
export async function enqueueDealSync(
  deps: { store: Pick<Store, 'links'>; connectionId: string },
  queue: Pick<JobQueue, 'enqueue'>,
  request: DealSyncRequest,
): Promise<EnqueueResult> {
  return queue.enqueue(await dealSyncJob(deps, request));
}

/** Enqueues deal syncs in one queue transaction, each under its deal's key (results in order). */
export async function enqueueDealSyncs(
  deps: { store: Pick<Store, 'links'>; connectionId: string },
  queue: Pick<JobQueue, 'enqueueMany'>,
  requests: readonly DealSyncRequest[],
): Promise<EnqueueResult[]> {
  const jobs: JobToEnqueue<DealSyncPayload>[] = [];
  for (const request of requests) jobs.push(await dealSyncJob(deps, request));
  return queue.enqueueMany(jobs);
}

/** The job for a related (Microsoft-side) referral event. */
export function relatedReferralJob(
  connectionId: string,
  microsoftReferralId: string,
  inboxId?: string,
): JobToEnqueue<RelatedReferralPayload> {
  return {
    name: JOB.relatedReferral,
    key: relatedJobKey(connectionId, microsoftReferralId),
    connectionId,
    payload: { connectionId, microsoftReferralId, ...(inboxId ? { inboxId } : {}) },
  };
}

/** What a stored webhook delivery asks for. */
export interface DeliveredEvent {
  eventName: string;
  resourceId: string;
  inboxId: string;
  trigger?: DealSyncTrigger;
}

/** The job for a stored webhook delivery: a related-referral job, or the sync of the deal its referral is. */
export async function eventJob(
  deps: { store: Pick<Store, 'links'>; connectionId: string },
  event: DeliveredEvent,
): Promise<JobToEnqueue> {
  if (event.eventName.startsWith('related-referral-'))
    return relatedReferralJob(deps.connectionId, event.resourceId, event.inboxId);
  return dealSyncJob(deps, {
    referralId: event.resourceId,
    trigger: event.trigger ?? 'webhook',
    inboxId: event.inboxId,
  });
}

/** Enqueues the job for a stored webhook delivery (the inbox drain; the route enqueues through WebhookIntake). */
export async function enqueueForEvent(
  deps: { store: Pick<Store, 'links'>; connectionId: string },
  queue: Pick<JobQueue, 'enqueue'>,
  event: DeliveredEvent,
): Promise<EnqueueResult> {
  return queue.enqueue(await eventJob(deps, event));
}

/**
 * Schedules the next run of a scheduled job (one key per connection: once per interval cluster-wide). A worker
 * starting up passes `whenStarting`: the job is due now unless a run is already scheduled, which then keeps its
 * time (a worker joining a running cluster does not start an extra poll or reconcile pass).
 */
export async function scheduleNext(
  queue: Pick<JobQueue, 'enqueue'>,
  name: string,
  connectionId: string,
  runAt: Date,
  { whenStarting = false }: { whenStarting?: boolean } = {},
): Promise<void> {
  await queue.enqueue<ScheduledPayload>({
    name,
    key: scheduledJobKey(name, connectionId),
    connectionId,
    payload: { connectionId },
    runAt,
    ...(whenStarting ? { keepPendingRunAt: true } : {}),
  });
}
