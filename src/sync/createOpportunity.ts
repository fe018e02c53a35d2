/** Partner Center → Salesforce: a new referral becomes an opportunity (or a lead, per the mapping). */
import type { CoSellDeal } from '../domain/coSellDeal.ts';
import { accountFields } from '../domain/mapping/accountFields.ts';
import { accountMatchKey } from '../domain/mapping/accountMatchKey.ts';
import { dealFromReferral } from '../domain/mapping/dealFromReferral.ts';
import { salesforceOpportunityFields } from '../domain/mapping/salesforceOpportunityFields.ts';
import { salesforceTargetFor } from '../domain/mapping/salesforceTargetFor.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';
import { applyChildChangesFor } from './childRecordSync.ts';
import { writeNotes } from './dealNotes.ts';
import type { DealState } from './dealState.ts';
import type { DealSyncDeps, DealSyncInput, DealSyncResult } from './dealSyncContext.ts';
import { createLead } from './leadSync.ts';
import { salesforceTransformFields } from './mappingTransforms.ts';
import { referralInputOf } from './referralInputOf.ts';
import { currencyProblem, refuseReferral } from './refuseReferral.ts';
import { auditLine, bookkeepingFields } from './salesforceBookkeeping.ts';
import { saveLink, skipped } from './saveLink.ts';
import { creationChanges, syncResult } from './syncResult.ts';

export async function createOpportunity(
  deps: DealSyncDeps,
  input: DealSyncInput,
  state: DealState,
  referral: PcReferral,
): Promise<DealSyncResult> {
  const { mapping } = deps;
  const deal = dealFromReferral(referralInputOf(referral), mapping, {
    relatedReferrals: state.related.map(referralInputOf),
  });
  const base = { referralId: referral.id, linkId: state.link?.id ?? null };
  const target = salesforceTargetFor(deal, mapping);
  if (target === 'skip') {
    return skipped(
      deps,
      input,
      base,
      `Referral ${referral.id} is a Microsoft lead; leads.handling is "skip".`,
    );
  }
  const currency = currencyProblem(mapping, deal);
  if (currency) return refuseReferral(deps, input, state, referral, currency);
  if (target === 'lead' && !state.link) return createLead(deps, input, state, referral, deal);
  if (deal.status === 'Closed' && !state.link) {
    return skipped(
      deps,
      input,
      base,
      `Referral ${referral.id} was already closed (${deal.status}/${deal.substatus}) before it was linked.`,
    );
  }
  if (state.link?.opportunityId) {
    // We created an opportunity for it before and it is gone (deleted in Salesforce): do not recreate it.
    return skipped(
      deps,
      input,
      base,
      `The opportunity linked to referral ${referral.id} no longer exists; to create it again, run \`cosell unlink ${state.link.id}\` and then \`cosell sync --referral ${referral.id}\`.`,
    );
  }
  const fields = {
    ...salesforceOpportunityFields(deal, mapping),
    ...(await salesforceTransformFields(mapping, deal, null)),
  };
  const changes = creationChanges(fields);
  if (input.dryRun) {
    return syncResult(input, {
      action: 'create_opportunity',
      referralId: referral.id,
      toSalesforce: changes,
      message: `Would create an opportunity for referral ${referral.id}.`,
    });
  }
  const now = deps.clock.now();
  const line = auditLine(now, true, `Created from Partner Center referral ${referral.id}`);
  const accountId = await ensureAccountFor(deps, deal);
  const created = await deps.salesforce.upsertOpportunityByReferralId(referral.id, {
    ...fields,
    [mapping.opportunity.syncFlagField]: true,
    ...(accountId ? { AccountId: accountId } : {}),
    ...bookkeepingFields(mapping, null, 'Synced', line, deal.name),
  });
  await applyChildChangesFor(deps, created.id, accountId, deal, null);
  await writeNotes(deps, created.id, deal, null, ['notes']);
  const after = await deps.salesforce.readDeal(created.id);
  const saved = await saveLink(
    deps,
    state.link,
    {
      referralId: referral.id,
      opportunityId: created.id,
      engagementId: referral.engagementId,
      base: deal,
      pcETag: referral.eTag,
      sfSystemModstamp: after?.systemModstamp ?? null,
      state: 'synced',
      lastError: null,
    },
    {
      trigger: input.trigger,
      direction: 'toSalesforce',
      outcome: 'ok',
      changes,
      message: `${created.created ? 'Created' : 'Linked'} opportunity ${created.id} from referral ${referral.id}.`,
    },
  );
  return syncResult(input, {
    action: 'create_opportunity',
    linkId: saved.id,
    referralId: referral.id,
    opportunityId: created.id,
    toSalesforce: changes,
    message: `${created.created ? 'Created' : 'Linked'} opportunity ${created.id} from referral ${referral.id}.`,
  });
}

async function ensureAccountFor(deps: DealSyncDeps, deal: CoSellDeal): Promise<string | null> {
  if (!deal.customer?.name || deps.mapping.fields.customer.direction === 'toPartnerCenter') return null;
  return deps.salesforce.ensureAccount(
    accountMatchKey(deal.customer),
    accountFields(deal.customer, deps.mapping),
  );
}
