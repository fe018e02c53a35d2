import type { DomainError } from '../../shared/result.ts';
import type { CoSellDeal } from '../coSellDeal.ts';
import type { Mapping } from '../mapping/mappingSchema.ts';

/** Single-currency orgs cannot hold another currency's amount: the amount is left out rather than written wrong. */
export function currencyProblem(mapping: Mapping, deal: CoSellDeal): DomainError | null {
  if (
    mapping.currency.mode !== 'orgCurrency' ||
    !deal.currency ||
    deal.currency === mapping.currency.orgCurrency
  )
    return null;
  return {
    code: 'currency_mismatch',
    path: 'currency',
    message: `The referral's deal value is in ${deal.currency} but Salesforce is a single-currency org in ${mapping.currency.orgCurrency}, so the Amount was left empty rather than silently wrong. Enter the amount in ${mapping.currency.orgCurrency} on the opportunity, or enable multi-currency in Salesforce (then currency.mode: multiCurrency) and retry the deal.`,
  };
}
