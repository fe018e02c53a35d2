/**
 * Fits the mapping to what the Salesforce org can store: a single-currency org has no CurrencyIsoCode (the org
 * currency applies), and without Team Selling there is no OpportunityTeamMember. Writing those anyway would fail
 * every sync with INVALID_FIELD; instead the effective mapping follows the org and each adjustment is reported.
 */
import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import type { SalesforceClient } from '../salesforce/salesforceClient.ts';

export interface OrgFacts {
  multiCurrency: boolean;
  defaultCurrency: string | null;
  teamSelling: boolean;
}

export interface AdaptedMapping {
  mapping: Mapping;
  notes: string[];
}

export function adaptMappingToOrg(mapping: Mapping, org: OrgFacts): AdaptedMapping {
  const notes: string[] = [];
  let adapted = mapping;
  if (mapping.currency.mode === 'multiCurrency' && !org.multiCurrency) {
    const orgCurrency = org.defaultCurrency ?? mapping.currency.orgCurrency;
    adapted = { ...adapted, currency: { mode: 'orgCurrency', orgCurrency } };
    notes.push(
      `Salesforce is a single-currency org: amounts are in ${orgCurrency}, and referrals in another currency are refused with an audit error.`,
    );
  } else if (
    mapping.currency.mode === 'orgCurrency' &&
    org.defaultCurrency &&
    org.defaultCurrency !== mapping.currency.orgCurrency
  ) {
    notes.push(
      `The mapping says the org currency is ${mapping.currency.orgCurrency} but Salesforce says ${org.defaultCurrency}; using ${mapping.currency.orgCurrency} as configured.`,
    );
  }
  if (mapping.team.enabled && !org.teamSelling) {
    adapted = { ...adapted, team: { ...adapted.team, enabled: false } };
    notes.push(
      'Team Selling is off in Salesforce: the partner team is not mirrored as opportunity team members.',
    );
  }
  return { mapping: adapted, notes };
}

/** Reads the facts adaptMappingToOrg needs (two describe/query calls, once at start). */
export async function readOrgFacts(client: SalesforceClient): Promise<OrgFacts> {
  const describe = await client.describe('Opportunity');
  const multiCurrency = describe.fields.some((field) => field.name === 'CurrencyIsoCode');
  const teamSelling = describe.childRelationships.some(
    (child) => child.childSObject === 'OpportunityTeamMember',
  );
  let defaultCurrency: string | null = null;
  try {
    const [org] = await client.queryAll<{ DefaultCurrencyIsoCode?: string | null }>(
      'SELECT DefaultCurrencyIsoCode FROM Organization LIMIT 1',
    );
    defaultCurrency = org?.DefaultCurrencyIsoCode ?? null;
  } catch {
    defaultCurrency = null; // Not readable by this user: fall back to the mapping's orgCurrency.
  }
  return { multiCurrency, defaultCurrency, teamSelling };
}
