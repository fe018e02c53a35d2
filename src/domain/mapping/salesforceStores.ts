import type { CoSellDeal, DealField } from '../coSellDeal.ts';
import type { Mapping } from './mappingSchema.ts';

/**
 * Whether this org stores a deal field, given the mapping: fields mapped to no API name, the currency in a
 * single-currency org, and the partner team without Team Selling are not stored in Salesforce.
 */
export function salesforceStores(field: DealField, mapping: Mapping): boolean {
  switch (field) {
    case 'substatus':
      return salesforceStores('status', mapping);
    case 'currency':
      return mapping.currency.mode === 'multiCurrency' && mapping.fields.currency.salesforceField !== null;
    case 'notes':
      return mapping.notes.target === 'contentNote' || mapping.fields.notes.salesforceField !== null;
    case 'customer':
    case 'customerContacts':
    case 'solutions':
      return true;
    case 'partnerTeam':
      return mapping.team.enabled;
    default:
      return mapping.fields[field].salesforceField !== null;
  }
}

/**
 * Whether a Salesforce-side deal's value of `field` is known, i.e. takes part in the merge.
 * Like `salesforceStores`, and the customer is unknown when the opportunity has no account.
 */
export const salesforceKnows = (field: DealField, deal: CoSellDeal, mapping: Mapping): boolean =>
  salesforceStores(field, mapping) && (field !== 'customer' || deal.customer !== null);
