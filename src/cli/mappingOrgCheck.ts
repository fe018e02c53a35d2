/**
 * The mapping checked against the live org, as doctor and `cosell mapping test` run it: first fitted to the
 * org (single currency, Team Selling) the way the running connector fits it, then every field it names
 * compared with the org's describe.
 */
import type { Connection } from 'jsforce';
import {
  checkMappingAgainstOrg,
  type OrgMappingProblem,
  objectsToDescribe,
} from '../domain/mapping/checkMappingAgainstOrg.ts';
import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import { type ActiveDuplicateRule, activeDuplicateRules } from '../salesforce/activeDuplicateRules.ts';
import { readOrgDescribeFacts } from '../salesforce/readOrgDescribeFacts.ts';
import { SalesforceClient } from '../salesforce/salesforceClient.ts';
import { adaptMappingToOrg, readOrgFacts } from '../sync/adaptMappingToOrg.ts';

export interface MappingOrgCheck {
  problems: OrgMappingProblem[];
  /** How the mapping was fitted to the org, e.g. "single-currency org". */
  notes: string[];
  /** The record type whose stages were checked, if Opportunity has record types. */
  recordType: string | null;
  /** Active duplicate rules on the objects the connector creates (null: not readable). */
  duplicateRules: ActiveDuplicateRule[] | null;
}

export async function checkMappingInOrg(conn: Connection, mapping: Mapping): Promise<MappingOrgCheck> {
  const client = new SalesforceClient(conn);
  const adapted = adaptMappingToOrg(mapping, await readOrgFacts(client));
  const facts = await readOrgDescribeFacts(client, objectsToDescribe(adapted.mapping));
  return {
    problems: checkMappingAgainstOrg(adapted.mapping, facts),
    notes: adapted.notes,
    recordType: facts.opportunityRecordType?.name ?? null,
    duplicateRules: await activeDuplicateRules(client, ['Account', 'Contact', 'Lead']),
  };
}
