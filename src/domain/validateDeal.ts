import type { DomainError, Result } from '../shared/result.ts';
import { fail, ok } from '../shared/result.ts';
import type { CoSellDeal, DealField } from './coSellDeal.ts';
import { isCountryCode } from './mapping/toCountryCode.ts';
import { checkTransition, type StatusPair } from './referralStatus.ts';

export interface ValidateDealContext {
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
 * for co-sell (help requested) at least one Microsoft solution and a customer contact with an email;
 * and no change of a closed referral or move the status table forbids. With `changedFields` (an update) only the
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

  if (deal.assistanceRequestCode !== null) {
    if (checks('assistanceRequestCode', 'solutions') && deal.solutions.length === 0) {
      add(
        'solution_missing',
        'solutions',
        'Add at least one Microsoft solution to the opportunity before sharing it as co-sell',
      );
    }
    if (checks('assistanceRequestCode', 'customerContacts') && deal.customerContacts.length === 0) {
      add(
        'contact_missing',
        'customerContacts',
        'Add a customer contact with an email address as an Opportunity Contact Role before asking Microsoft for help',
      );
    }
  }

  if (context.current) {
    const transition = checkTransition(context.current, { status: deal.status, substatus: deal.substatus });
    if (!transition.ok) add(transition.error.code, 'status', transition.error.message);
  }
  return problems.length === 0 ? ok(deal) : fail(problems);
}
