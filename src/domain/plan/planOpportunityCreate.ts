/** Partner Center → Salesforce: a new referral becomes an opportunity (or a lead, per the mapping). */
import type { CoSellDeal } from '../coSellDeal.ts';
import type { DealPlan, DealPlanInput, PlanReferral } from '../dealPlan.ts';
import { accountFields } from '../mapping/accountFields.ts';
import { accountMatchKey } from '../mapping/accountMatchKey.ts';
import { childChanges } from '../mapping/childChanges.ts';
import { dealFromReferral } from '../mapping/dealFromReferral.ts';
import { salesforceOpportunityFields } from '../mapping/salesforceOpportunityFields.ts';
import { salesforceTargetFor } from '../mapping/salesforceTargetFor.ts';
import { salesforceTransformFields } from '../mapping/transformValues.ts';
import { currencyProblem } from './currencyProblem.ts';
import { planNotes } from './planNotes.ts';
import { creationChanges, emptyPlan, markFields, skippedPlan } from './planParts.ts';

export async function planOpportunityCreate(input: DealPlanInput, referral: PlanReferral): Promise<DealPlan> {
  const { mapping, link } = input;
  const deal = dealFromReferral(referral.input, mapping, { relatedReferrals: [...input.related] });
  const ids = { referralId: referral.id, opportunityId: null };
  const target = salesforceTargetFor(deal, mapping);
  if (target === 'skip')
    return skippedPlan(input, ids, `Referral ${referral.id} is a Microsoft lead; leads.handling is "skip".`);
  if (target === 'lead' && !link)
    return emptyPlan({
      action: 'create_lead',
      ...ids,
      message: `Create a lead for referral ${referral.id}.`,
      lead: 'create',
    });
  if (deal.status === 'Closed' && !link) {
    return skippedPlan(
      input,
      ids,
      `Referral ${referral.id} was already closed (${deal.status}/${deal.substatus}) before it was linked.`,
    );
  }
  if (link?.opportunityId) {
    // We created an opportunity for it before and it is gone (deleted in Salesforce): do not recreate it.
    return skippedPlan(
      input,
      ids,
      `The opportunity linked to referral ${referral.id} no longer exists; to create it again, run \`cosell unlink ${link.id}\` and then \`cosell sync --referral ${referral.id}\`.`,
    );
  }
  // A value Salesforce cannot hold as it is (another currency in a single-currency org) is left out, never lost:
  // the opportunity is created without it, marked ✖ with the fix, and the base keeps Salesforce's view of it so
  // the next sync neither reverts Partner Center nor forgets to write it once the cause is fixed.
  const currency = currencyProblem(mapping, deal);
  const written: CoSellDeal = currency ? { ...deal, dealValue: null, currency: null } : deal;
  const fields = {
    ...salesforceOpportunityFields(written, mapping),
    ...(await salesforceTransformFields(mapping, written, null)),
  };
  if (currency) {
    for (const field of [mapping.fields.dealValue.salesforceField, mapping.fields.currency.salesforceField])
      if (field) delete fields[field];
  }
  const changes = creationChanges(fields);
  const message = currency
    ? `Created from Partner Center referral ${referral.id} without its amount: ${currency.message}`
    : `Created from Partner Center referral ${referral.id}`;
  const customerDirection = mapping.fields.customer.direction;
  return emptyPlan({
    action: 'create_opportunity',
    ...ids,
    linkId: link?.id ?? null,
    message: `Create an opportunity for referral ${referral.id}.`,
    toSalesforce: changes,
    merged: written,
    salesforce: {
      account:
        deal.customer?.name && customerDirection !== 'toPartnerCenter'
          ? { match: accountMatchKey(deal.customer), fields: accountFields(deal.customer, mapping) }
          : null,
      opportunity: {
        op: 'create',
        referralId: referral.id,
        fields: {
          ...fields,
          [mapping.opportunity.syncFlagField]: true,
          ...markFields(mapping, null, currency === null, message, input.now, [], deal.name),
        },
      },
      accountId: null,
      children: childChanges(mapping, deal, null),
      notes: planNotes(mapping, input.org.notesAvailable, deal, null, ['notes']),
    },
    link: {
      referralId: referral.id,
      engagementId: referral.engagementId,
      base: written,
      pcETag: referral.eTag,
      state: currency ? 'error' : 'synced',
      lastError: currency ? { code: currency.code, message: currency.message } : null,
    },
    audit: {
      trigger: input.trigger,
      direction: 'toSalesforce',
      outcome: currency ? 'error' : 'ok',
      changes,
      message: currency
        ? `Created the opportunity without its amount: ${currency.message}`
        : 'Created the opportunity.',
      ...(currency ? { error: { code: currency.code, message: currency.message } } : {}),
    },
  });
}
