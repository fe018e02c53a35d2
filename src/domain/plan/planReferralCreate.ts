/** Salesforce → Partner Center: an opportunity with Sync ticked becomes a referral, exactly once. */
import type { DealPlan, DealPlanInput, PlanOpportunity } from '../dealPlan.ts';
import { dealFromSalesforce } from '../mapping/dealFromSalesforce.ts';
import { referralCreateBody } from '../mapping/referralCreateBody.ts';
import { withPartnerCenterTransforms } from '../mapping/transformValues.ts';
import { validateDeal } from '../validateDeal.ts';
import { emptyPlan, invalidPlan, skippedPlan } from './planParts.ts';

export async function planReferralCreate(
  input: DealPlanInput,
  opportunity: PlanOpportunity,
): Promise<DealPlan> {
  const { mapping, link } = input;
  const ids = { opportunityId: opportunity.opportunityId, referralId: null, linkId: link?.id ?? null };
  if (!opportunity.syncEnabled) {
    return emptyPlan({
      action: 'skip',
      ...ids,
      message: `Opportunity ${opportunity.opportunityId} does not have Sync with Partner Center ticked.`,
    });
  }
  if (link?.referralId) {
    return skippedPlan(
      input,
      ids,
      `The referral linked to opportunity ${opportunity.opportunityId} (${link.referralId}) no longer exists in Partner Center; to share the opportunity again, run \`cosell unlink ${link.id}\`.`,
    );
  }
  const deal = dealFromSalesforce(opportunity.snapshot, mapping);
  const valid = validateDeal(deal, { mapping });
  if (!valid.ok) return invalidPlan(input, opportunity, valid.error);
  const body = await withPartnerCenterTransforms(mapping, deal, {
    ...referralCreateBody(deal, mapping, { opportunityId: opportunity.opportunityId }),
  });
  const changes = [
    { field: 'referral', side: 'partnerCenter' as const, before: null, after: body['name'] ?? deal.name },
  ];
  return emptyPlan({
    action: 'create_referral',
    ...ids,
    message: `Create a referral for opportunity ${opportunity.opportunityId}.`,
    toPartnerCenter: changes,
    merged: deal,
    partnerCenter: { op: 'create', opportunityId: opportunity.opportunityId, body },
    link: {
      opportunityId: opportunity.opportunityId,
      // The base is what Salesforce sent: the follow-up merge then brings back what Partner Center added.
      base: deal,
      sfSystemModstamp: opportunity.systemModstamp,
      state: 'synced',
      lastError: null,
    },
    audit: {
      trigger: input.trigger,
      direction: 'toPartnerCenter',
      outcome: 'ok',
      changes,
      message: `Created a referral from opportunity ${opportunity.opportunityId}.`,
    },
  });
}
