/** Salesforce → Partner Center: an opportunity with Sync ticked becomes a referral, exactly once. */
import { dealFromSalesforce } from '../domain/mapping/dealFromSalesforce.ts';
import { referralCreateBody } from '../domain/mapping/referralCreateBody.ts';
import { validateDeal } from '../domain/validateDeal.ts';
import type { FieldChange } from '../store/store.ts';
import type { DealState } from './dealState.ts';
import type { DealSyncDeps, DealSyncInput, DealSyncResult } from './dealSyncContext.ts';
import { withPartnerCenterTransforms } from './mappingTransforms.ts';
import { rejectInvalid } from './rejectInvalid.ts';
import { saveLink, skipped } from './saveLink.ts';
import type { SalesforceDealRead } from './syncPorts.ts';
import { syncResult } from './syncResult.ts';

export async function createReferral(
  deps: DealSyncDeps,
  input: DealSyncInput,
  state: DealState,
  read: SalesforceDealRead,
): Promise<DealSyncResult> {
  const { mapping } = deps;
  const base = { opportunityId: read.opportunityId, linkId: state.link?.id ?? null };
  if (!read.syncEnabled) {
    return syncResult(input, {
      action: 'skip',
      ...base,
      message: `Opportunity ${read.opportunityId} does not have Sync with Partner Center ticked.`,
    });
  }
  if (state.link?.referralId) {
    return skipped(
      deps,
      input,
      base,
      `The referral linked to opportunity ${read.opportunityId} (${state.link.referralId}) no longer exists in Partner Center; to share the opportunity again, run \`cosell unlink ${state.link.id}\`.`,
    );
  }
  const deal = dealFromSalesforce(read.snapshot, mapping);
  const valid = validateDeal(deal);
  if (!valid.ok) return rejectInvalid(deps, input, state, read, valid.error);
  const body = await withPartnerCenterTransforms(mapping, deal, {
    ...referralCreateBody(deal, mapping, { opportunityId: read.opportunityId }),
  });
  const changes: FieldChange[] = [
    { field: 'referral', side: 'partnerCenter', before: null, after: body['name'] ?? deal.name },
  ];
  if (input.dryRun) {
    return syncResult(input, {
      ...base,
      action: 'create_referral',
      toPartnerCenter: changes,
      message: `Would create a referral for opportunity ${read.opportunityId}.`,
    });
  }
  // Idempotence: a referral created by an earlier run that crashed before it was linked is found here.
  const referral =
    (await deps.partnerCenter.findReferralByExternalReferenceId(read.opportunityId)) ??
    (await deps.partnerCenter.createReferral(body));
  const saved = await saveLink(
    deps,
    state.link,
    {
      referralId: referral.id,
      opportunityId: read.opportunityId,
      engagementId: referral.engagementId,
      // The base is what Salesforce sent: the follow-up merge then brings back what Partner Center added.
      base: deal,
      pcETag: referral.eTag,
      sfSystemModstamp: read.systemModstamp,
      state: 'synced',
      lastError: null,
    },
    {
      trigger: input.trigger,
      direction: 'toPartnerCenter',
      outcome: 'ok',
      changes,
      message: `Created referral ${referral.id} from opportunity ${read.opportunityId}.`,
    },
  );
  return syncResult(input, {
    action: 'create_referral',
    linkId: saved.id,
    referralId: referral.id,
    opportunityId: read.opportunityId,
    toPartnerCenter: changes,
    message: `Created referral ${referral.id} from opportunity ${read.opportunityId}.`,
  });
}
