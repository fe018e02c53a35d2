import { allSolutionPlays, type ReferralTaxonomy } from '../domain/referralTaxonomy.ts';

/**
 * The picklist values of the package fields that come from the co-sell taxonomy, keyed `Object.Field`: the
 * package build writes these instead of the values in the field files, so `cosell salesforce install` deploys
 * the taxonomy in use (the shipped FY26 list or the mapping file's) without a release.
 */
export function taxonomyPicklistValues(taxonomy: ReferralTaxonomy): Record<string, string[]> {
  return {
    'Opportunity.Partner_Role__c': taxonomy.partnerRoles.map((entry) => entry.label),
    'Opportunity.Solution_Area__c': taxonomy.solutionAreas.map((entry) => entry.label),
    'Opportunity.Solution_Play__c': allSolutionPlays(taxonomy).map((entry) => entry.label),
    'Opportunity.Customer_Marketplace_Intent__c': taxonomy.customerMarketplaceIntents.map(
      (entry) => entry.label,
    ),
  };
}
