/**
 * Reads both sides of a batch of deals in few calls: links from the store, referrals with bounded parallel GETs
 * (or the listed referral a backfill already carries), every opportunity — with account, contact roles,
 * solutions and team — in one SOQL query per 200.
 */
import type { PlanReferral } from '../domain/dealPlan.ts';
import type { ReferralInput } from '../domain/referralInput.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';
import type { LinkRow } from '../store/store.ts';
import { boundedMap } from './boundedMap.ts';
import { type DealSyncRequest, findDealLink } from './dealJobs.ts';
import type { DealSyncDeps } from './dealSyncContext.ts';
import { DEAD_LETTER_CODE } from './markDeadLettered.ts';
import type { SalesforceDealRead } from './syncPorts.ts';

export interface DealRead {
  request: DealSyncRequest;
  link: LinkRow | null;
  referral: PcReferral | null;
  related: PcReferral[];
  opportunity: SalesforceDealRead | null;
}

/** The client's normalised referral in the shape the domain reads (links as `{ uri }` objects). */
export function referralInputOf(referral: PcReferral): ReferralInput {
  return {
    ...referral,
    links: { self: { uri: referral.links.self }, relatedReferrals: { uri: referral.links.relatedReferrals } },
  };
}

export const planReferralOf = (referral: PcReferral): PlanReferral => ({
  id: referral.id,
  eTag: referral.eTag,
  updatedDateTime: referral.updatedDateTime,
  engagementId: referral.engagementId,
  type: referral.type,
  input: referralInputOf(referral),
  raw: referral.raw,
});

/**
 * A link with no referral yet whose referral create was started (`pending`) or given up on (dead-lettered): the
 * create may have reached Partner Center although its answer never came back.
 */
export const isCreateIntent = (link: LinkRow | null): link is LinkRow =>
  link !== null &&
  link.referralId === null &&
  link.salesforceObject === 'opportunity' &&
  (link.state === 'pending' || link.lastError?.code === DEAD_LETTER_CODE);

/** How far this host's clock may be ahead of Partner Center's when looking for a referral made after an intent. */
export const CREATE_INTENT_CLOCK_SKEW_MS = 10 * 60_000;

/** From when a referral made for this intent can have been created (the intent is stored before the call). */
export const createIntentSince = (link: LinkRow): string =>
  new Date(Date.parse(link.createdAt) - CREATE_INTENT_CLOCK_SKEW_MS).toISOString();

/** Triggers whose listed referral is fresh enough to plan from (a listing made for this very run). */
const LISTING_TRIGGERS = new Set(['backfill', 'reconcile']);

/** The referral the request carries, when it is this deal's and fresh enough to plan from; else null. */
function usableListing(request: DealSyncRequest, id: string): PcReferral | null {
  const listed = request.referral;
  if (!listed || listed.id !== id) return null;
  return LISTING_TRIGGERS.has(request.trigger) || request.readJustNow === true ? listed : null;
}

export async function readDealBatch(
  deps: DealSyncDeps,
  requests: readonly DealSyncRequest[],
): Promise<DealRead[]> {
  const { store, connectionId, partnerCenter, salesforce } = deps;
  const parallel = deps.partnerCenterConcurrency ?? 8;
  const reads: DealRead[] = [];
  for (const request of requests) {
    reads.push({
      request,
      link: await findDealLink(store, connectionId, request),
      referral: null,
      related: [],
      opportunity: null,
    });
  }
  const getReferral = async (read: DealRead, id: string | null) => {
    if (!id) return null;
    // A listing can be older than the deal's last sync (another job synced it since): planning a linked deal from
    // it would take Partner Center's older values for changes and send them back. It is used for a deal not
    // linked yet, or when it is the very version the link last saw; otherwise the referral is read now. (A
    // referral this batch read itself, for a new opportunity's follow-up, is current.)
    const listed = usableListing(read.request, id);
    const current =
      read.request.readJustNow === true || read.link === null || read.link.pcETag === listed?.eTag;
    if (listed && current) return listed;
    return partnerCenter.getReferral(id);
  };

  await boundedMap(reads, parallel, async (read) => {
    read.referral = await getReferral(read, read.link?.referralId ?? read.request.referralId ?? null);
    const opportunityId = read.link?.opportunityId ?? read.request.opportunityId ?? null;
    // An interrupted create: the referral may exist although the link never heard of it.
    if (!read.referral && opportunityId && isCreateIntent(read.link))
      read.referral = await partnerCenter.findCreatedReferral(opportunityId, createIntentSince(read.link));
  });

  const opportunityIdOf = (read: DealRead): string | null =>
    read.link?.salesforceObject === 'lead'
      ? null
      : (read.link?.opportunityId ??
        read.request.opportunityId ??
        read.referral?.externalReferenceId ??
        null);
  const needsSearch = (read: DealRead) => read.link?.salesforceObject !== 'lead' && !opportunityIdOf(read);
  const opportunities = await salesforce.readDeals({
    opportunityIds: reads.map(opportunityIdOf).filter((id): id is string => id !== null),
    referralIds: reads
      .filter(needsSearch)
      .map((read) => read.referral?.id ?? read.request.referralId ?? null)
      .filter((id): id is string => id !== null),
  });
  const byId = new Map(opportunities.map((read) => [read.opportunityId, read]));
  const byReferralId = new Map(
    opportunities.filter((read) => read.referralId).map((read) => [read.referralId as string, read]),
  );
  for (const read of reads) {
    const id = opportunityIdOf(read);
    read.opportunity = id
      ? (byId.get(id) ?? null)
      : needsSearch(read)
        ? (byReferralId.get(read.referral?.id ?? read.request.referralId ?? '') ?? null)
        : null;
  }

  await boundedMap(reads, parallel, async (read) => {
    // The opportunity may already carry the referral id (written by a sync still in progress, or by an older
    // link that was lost): that referral is this deal's, never a reason to create another.
    if (!read.referral && read.opportunity?.referralId)
      read.referral = await partnerCenter.getReferral(read.opportunity.referralId);
    if (!read.link && read.referral)
      read.link = await store.links.findByReferralId(connectionId, read.referral.id);
    if (!read.link && read.opportunity)
      read.link = await store.links.findByOpportunityId(connectionId, read.opportunity.opportunityId);
    const engagementId = read.referral?.engagementId;
    if (engagementId && read.referral?.type === 'Shared')
      read.related =
        (read.referral === usableListing(read.request, read.referral.id)
          ? read.request.related
          : undefined) ?? (await partnerCenter.listEngagementReferrals(engagementId));
  });
  return reads;
}
