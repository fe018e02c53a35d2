import type { DomainError, Result } from '../shared/result.ts';
import { fail, ok } from '../shared/result.ts';
import type { CoSellDeal, DealField } from './coSellDeal.ts';
import { defaultMapping } from './mapping/defaultMapping.ts';
import type { Mapping } from './mapping/mappingSchema.ts';
import { sharedWithMicrosoftBody } from './mapping/referralWireValues.ts';
import { isCountryCode } from './mapping/toCountryCode.ts';
import { checkTransition, type StatusPair } from './referralStatus.ts';
import { checkCoSellShape } from './validateCoSellShape.ts';
import { checkVisibility, type SharingState } from './visibilityRule.ts';

export interface ValidateDealContext {
  /** The mapping in use: its taxonomy and `coSell` rules. Defaults to the default mapping. */
  mapping?: Mapping;
  /**
   * Partner Center's current sharing of the referral (omit when creating it): once shared with Microsoft sellers,
   * un-sharing is refused before any call, with a message saying why.
   */
  partnerCenter?: SharingState | null;
  /** Partner Center's current status of the referral; omit when creating it. */
  current?: StatusPair | null;
  /**
   * For an update: the fields being sent (the merge's `toPartnerCenter` fields). Only the rules about those fields
   * are checked, plus what accepting a referral needs (name, close date, deal value) when it moves New → Active.
   * Omit for a create: every rule is checked.
   */
  changedFields?: readonly DealField[];
}

/** A problem with `path` always set (the deal field it concerns). */
export type DealProblem = DomainError & { path: string };

/**
 * Check a deal before sending it to Partner Center. Returns every problem at once, each saying what to fix:
 * a name, a close date, a currency and a positive deal value; a customer with a name and a 2-letter country;
 * at least one co-sell-ready Microsoft solution before any share with Microsoft (partner-led included); for co-sell
 * (help requested) a customer contact with an email; Services co-sell fields and marketplace intent from the
 * mapping's taxonomy (required per `mapping.coSell`); no un-sharing of a referral already shared with Microsoft
 * sellers; and no change of a closed referral or move the status table forbids. With `changedFields` (an update) only the
 * rules touching those fields run, so an unrelated gap on an existing referral does not block other changes.
 */
export function validateDeal(
  deal: CoSellDeal,
  context: ValidateDealContext = {},
): Result<CoSellDeal, DealProblem[]> {
  const problems: DealProblem[] = [];
  const add = (code: string, path: string, message: string) => problems.push({ code, path, message });
  const accepting = context.current?.status === 'New' && deal.status === 'Active';
  const checks = (...fields: DealField[]): boolean =>
    context.changedFields === undefined ||
    fields.some((field) => context.changedFields?.includes(field)) ||
    (accepting &&
      fields.some((field) => field === 'name' || field === 'closingDate' || field === 'dealValue'));

  if (checks('name') && deal.name.trim() === '')
    add('name_missing', 'name', 'Give the opportunity a name before syncing it');
  if (checks('closingDate') && deal.closingDate === null)
    add('close_date_missing', 'closingDate', 'Set a Close Date on the opportunity');
  if (checks('dealValue') && (deal.dealValue === null || deal.dealValue <= 0)) {
    add(
      'deal_value_not_positive',
      'dealValue',
      'Enter an Amount greater than 0 on the opportunity; Partner Center needs a deal value',
    );
  }
  if (checks('currency') && deal.currency === null) {
    add('currency_missing', 'currency', 'Set the opportunity currency (a 3-letter code such as USD)');
  }

  const customer = deal.customer;
  const checkCustomer = checks('customer');
  if (checkCustomer && (customer === null || customer.name === null)) {
    add(
      'customer_missing',
      'customer.name',
      'Link the opportunity to an Account with a name (the end customer)',
    );
  }
  const country = customer?.country ?? null;
  if (!checkCustomer) {
    // Customer unchanged in this update.
  } else if (country === null) {
    add(
      'country_missing',
      'customer.country',
      "Set the Account's billing country to a 2-letter ISO-3166 code such as US; Partner Center requires it",
    );
  } else if (!isCountryCode(country)) {
    add(
      'country_invalid',
      'customer.country',
      `"${country}" is not a country Partner Center accepts; set the Account's billing country to a 2-letter ISO-3166 code such as US or GB`,
    );
  }

  const sharing = checks('assistanceRequestCode', 'shareWithMicrosoftSellers', 'solutions');
  if (sharedWithMicrosoftBody(deal) && sharing && deal.solutions.length === 0) {
    add(
      'solution_missing',
      'solutions',
      deal.assistanceRequestCode === null
        ? 'Add at least one co-sell-ready Microsoft solution to the opportunity before sharing it with Microsoft sellers (partner-led deals need one too), or untick Share with Microsoft Sellers to keep it private'
        : 'Add at least one Microsoft solution to the opportunity before sharing it as co-sell',
    );
  }
  if (deal.assistanceRequestCode !== null) {
    if (checks('assistanceRequestCode', 'customerContacts') && deal.customerContacts.length === 0) {
      add(
        'contact_missing',
        'customerContacts',
        'Add a customer contact with an email address as an Opportunity Contact Role before asking Microsoft for help',
      );
    }
  }

  const mapping = context.mapping ?? defaultMapping;
  for (const problem of checkCoSellShape(deal, mapping, checks)) problems.push(problem);
  if (context.partnerCenter && checks('shareWithMicrosoftSellers', 'assistanceRequestCode')) {
    const refusal = checkVisibility(context.partnerCenter, deal);
    if (refusal) problems.push(refusal);
  }

  if (context.current) {
    const transition = checkTransition(context.current, { status: deal.status, substatus: deal.substatus });
    if (!transition.ok) add(transition.error.code, 'status', transition.error.message);
  }
  return problems.length === 0 ? ok(deal) : fail(problems);
}
