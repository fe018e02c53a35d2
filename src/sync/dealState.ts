/** The current state of one deal on both sides, found through the link or the ids each side holds. */
import type { PcReferral } from '../partner-center/referralWire.ts';
import type { LinkRow } from '../store/store.ts';
import type { DealSyncDeps, DealSyncInput } from './dealSyncContext.ts';
import type { SalesforceDealRead } from './syncPorts.ts';

export interface DealState {
  link: LinkRow | null;
  referral: PcReferral | null;
  related: PcReferral[];
  salesforce: SalesforceDealRead | null;
}

/** Reads both sides of the deal, finding the missing side through the link or the ids each side holds. */
export async function readDealState(deps: DealSyncDeps, input: DealSyncInput): Promise<DealState> {
  const { store, connectionId, partnerCenter, salesforce } = deps;
  let link =
    (input.referralId ? await store.links.findByReferralId(connectionId, input.referralId) : null) ??
    (input.opportunityId ? await store.links.findByOpportunityId(connectionId, input.opportunityId) : null);
  let referralId = link?.referralId ?? input.referralId ?? null;
  let opportunityId = link?.opportunityId ?? input.opportunityId ?? null;

  let referral = referralId ? await partnerCenter.getReferral(referralId) : null;
  if (!referral && opportunityId) {
    referral = await partnerCenter.findReferralByExternalReferenceId(opportunityId);
    referralId = referral?.id ?? referralId;
  }
  if (!opportunityId && referralId)
    opportunityId = await salesforce.findOpportunityIdByReferralId(referralId);
  if (!opportunityId && referral?.externalReferenceId) opportunityId = referral.externalReferenceId;
  const isLead = link?.salesforceObject === 'lead';
  const salesforceRead = opportunityId && !isLead ? await salesforce.readDeal(opportunityId) : null;
  // The opportunity may already carry the referral id (written by a sync still in progress, or by an older
  // link that was lost): that referral is this deal's, never a reason to create another.
  const referralIdField = deps.mapping.fields.referralId.salesforceField;
  const idOnOpportunity = referralIdField ? salesforceRead?.snapshot.opportunity[referralIdField] : null;
  if (!referral && typeof idOnOpportunity === 'string' && idOnOpportunity !== '') {
    referral = await partnerCenter.getReferral(idOnOpportunity);
  }

  if (!link && referral) link = await store.links.findByReferralId(connectionId, referral.id);
  if (!link && salesforceRead)
    link = await store.links.findByOpportunityId(connectionId, salesforceRead.opportunityId);
  const related =
    referral?.engagementId && referral.type === 'Shared'
      ? await partnerCenter.listEngagementReferrals(referral.engagementId)
      : [];
  return { link, referral, related, salesforce: salesforceRead };
}
