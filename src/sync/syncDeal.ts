/**
 * The one use case every trigger ends in: sync one deal. It reads the current state of both sides,
 * merges against the base (the last state both agreed on), writes what differs idempotently, and
 * stores the new base with an audit entry in one transaction. Being state-based, duplicated,
 * reordered or lost triggers are harmless: the next run converges.
 *
 * Cases:
 * - a referral with no opportunity  → create the opportunity (upsert on the referral-id field);
 * - an opportunity with Sync ticked and no referral → validate, then create the referral (after
 *   looking for one whose externalReferenceId is the opportunity, so a crash never makes two);
 * - both → 3-way merge; Sync un-ticked pauses the link, ticked again resumes it.
 */
import { isMicrosoftReferral } from '../domain/mapping/dealFromReferral.ts';
import { createOpportunity } from './createOpportunity.ts';
import { createReferral } from './createReferral.ts';
import { readDealState } from './dealState.ts';
import type { DealSyncDeps, DealSyncInput, DealSyncResult } from './dealSyncContext.ts';
import { syncLead } from './leadSync.ts';
import { referralInputOf } from './referralInputOf.ts';
import { syncResult } from './syncResult.ts';
import { updateLinkedDeal } from './updateLinkedDeal.ts';

export async function syncDeal(deps: DealSyncDeps, input: DealSyncInput): Promise<DealSyncResult> {
  const state = await readDealState(deps, input);
  if (state.referral && isMicrosoftReferral(referralInputOf(state.referral))) {
    // Microsoft's side of an engagement: its changes reach the partner's referral (related-referral events).
    return syncResult(input, {
      action: 'skip',
      referralId: state.referral.id,
      linkId: state.link?.id ?? null,
      message: `Referral ${state.referral.id} is Microsoft's side of engagement ${state.referral.engagementId ?? '?'}; it is synced through the partner's referral.`,
    });
  }
  if (state.link?.salesforceObject === 'lead' && state.referral) {
    const outcome = await syncLead(deps, input, state.link, state.referral);
    // A converted lead is an opportunity now: carry on as one.
    return outcome.converted ? syncDeal(deps, { ...input, referralId: state.referral.id }) : outcome.result;
  }
  if (state.referral && state.salesforce)
    return updateLinkedDeal(deps, input, state, state.referral, state.salesforce);
  const created = state.referral
    ? await createOpportunity(deps, input, state, state.referral)
    : state.salesforce
      ? await createReferral(deps, input, state, state.salesforce)
      : null;
  if (created) {
    if (input.dryRun || (created.action !== 'create_opportunity' && created.action !== 'create_referral'))
      return created;
    // The new side may differ from the base (ids, the CRM id, values the other side normalised): one merge settles it.
    const after = await readDealState(deps, {
      ...input,
      referralId: created.referralId ?? undefined,
      opportunityId: created.opportunityId ?? undefined,
    });
    if (!after.referral || !after.salesforce) return created;
    const settled = await updateLinkedDeal(deps, input, after, after.referral, after.salesforce);
    return {
      ...created,
      toSalesforce: [...created.toSalesforce, ...settled.toSalesforce],
      toPartnerCenter: [...created.toPartnerCenter, ...settled.toPartnerCenter],
      conflicts: settled.conflicts,
    };
  }
  return syncResult(input, {
    action: 'skip',
    linkId: state.link?.id ?? null,
    message: 'Neither the referral nor the opportunity exists (any more); nothing to sync.',
  });
}
