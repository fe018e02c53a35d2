import type { CoSellDeal } from '../coSellDeal.ts';
import type { Mapping } from './mappingSchema.ts';

/** Where a Partner Center referral goes in Salesforce. */
export type SalesforceTarget = 'opportunity' | 'lead' | 'skip';

/**
 * Co-sell referrals become opportunities. Microsoft leads (qualified or marketplace) follow `leads.handling`
 * (`lead`, `opportunity` or `skip`), except that an accepted lead (Active or later) always becomes an opportunity.
 */
export function salesforceTargetFor(
  deal: Pick<CoSellDeal, 'category' | 'status'>,
  mapping: Mapping,
): SalesforceTarget {
  if (deal.category === 'coSell') return 'opportunity';
  if (deal.status !== 'New') return mapping.leads.handling === 'skip' ? 'skip' : 'opportunity';
  return mapping.leads.handling;
}
