/**
 * The planner: from what was read of one deal (link + base, referral, opportunity with its children, mapping,
 * org facts) to its plan — the writes to each side, the link's next state and the audit entry, or a refusal with
 * its reason. Pure: no I/O, no clock (the instant comes in), no randomness; a refusal is a plan, never a throw.
 *
 * - a referral with no opportunity → create the opportunity (upsert on the referral-id field);
 * - an opportunity with Sync ticked and no referral → validate, then create the referral;
 * - both → 3-way merge; Sync un-ticked pauses the link, ticked again resumes it.
 */
import type { DealPlan, DealPlanInput } from './dealPlan.ts';
import { isMicrosoftReferral } from './mapping/dealFromReferral.ts';
import { TransformError } from './mapping/transformValues.ts';
import { planLinkedUpdate } from './plan/planLinkedUpdate.ts';
import { planOpportunityCreate } from './plan/planOpportunityCreate.ts';
import { emptyPlan, errorOutcome } from './plan/planParts.ts';
import { planReferralCreate } from './plan/planReferralCreate.ts';

export async function planDeal(input: DealPlanInput): Promise<DealPlan> {
  try {
    return await planFor(input);
  } catch (error) {
    if (!(error instanceof TransformError)) throw error;
    // A mapping transform that fails (or runs past its limits) fails this deal only, with the mapping to fix.
    const message = `A mapping transform failed: ${error.message}. Fix the transforms in the mapping file, then retry the deal.`;
    return emptyPlan({
      action: 'invalid',
      message,
      linkId: input.link?.id ?? null,
      referralId: input.referral?.id ?? input.link?.referralId ?? null,
      opportunityId: input.opportunity?.opportunityId ?? input.link?.opportunityId ?? null,
      ...errorOutcome(
        input,
        {
          referralId: input.referral?.id ?? input.link?.referralId ?? null,
          opportunityId: input.opportunity?.opportunityId ?? input.link?.opportunityId ?? null,
        },
        { code: 'transform_failed', message },
        message,
      ),
    });
  }
}

function planFor(input: DealPlanInput): Promise<DealPlan> | DealPlan {
  const { referral, opportunity, link } = input;
  if (referral && isMicrosoftReferral(referral.input)) {
    // Microsoft's side of an engagement: its changes reach the partner's referral (related-referral events).
    return emptyPlan({
      action: 'skip',
      referralId: referral.id,
      linkId: link?.id ?? null,
      message: `Referral ${referral.id} is Microsoft's side of engagement ${referral.engagementId ?? '?'}; it is synced through the partner's referral.`,
    });
  }
  if (link?.salesforceObject === 'lead' && referral)
    return emptyPlan({
      action: 'update',
      linkId: link.id,
      referralId: referral.id,
      opportunityId: link.opportunityId,
      message: 'Sync the lead.',
      lead: 'linked',
    });
  if (referral && opportunity) return planLinkedUpdate(input, referral, opportunity);
  if (referral) return planOpportunityCreate(input, referral);
  if (opportunity) return planReferralCreate(input, opportunity);
  return emptyPlan({
    action: 'skip',
    linkId: link?.id ?? null,
    message: 'Neither the referral nor the opportunity exists (any more); nothing to sync.',
  });
}
