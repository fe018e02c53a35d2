/**
 * Reads what checkMappingAgainstOrg needs from the live org, as the integration user sees it: the describe of
 * every object the mapping names, and the stages of the Opportunity record type new records get (UI API
 * picklist values per record type).
 */
import type { DescribeSObjectResult } from 'jsforce';
import type {
  OrgDescribeFacts,
  OrgFieldFacts,
  RecordTypeFacts,
} from '../domain/mapping/checkMappingAgainstOrg.ts';
import { UpstreamError } from '../shared/upstreamError.ts';
import type { SalesforceClient } from './salesforceClient.ts';
import { SALESFORCE_API_VERSION } from './salesforceConnection.ts';

/** Refusals (unknown object, no access) mean "not there"; outages and limits are thrown. */
function isRefusal(error: unknown): boolean {
  return error instanceof UpstreamError && (error.kind === 'permanent' || error.kind === 'auth');
}

export function fieldFactsOf(describe: DescribeSObjectResult): OrgFieldFacts[] {
  return describe.fields.map((field) => ({
    name: field.name,
    type: String(field.type),
    createable: field.createable === true,
    updateable: field.updateable === true,
    nillable: field.nillable === true,
    defaultedOnCreate: field.defaultedOnCreate === true,
    externalId: field.externalId === true,
    picklistValues: (field.picklistValues ?? [])
      .filter((value) => value.active !== false)
      .map((value) => value.value),
    restrictedPicklist: field.restrictedPicklist === true,
  }));
}

interface RecordTypeInfoLike {
  recordTypeId?: string | null;
  name?: string;
  master?: boolean;
  available?: boolean;
  defaultRecordTypeMapping?: boolean;
}

/** The default record type of the running user (null when Opportunity has only the master record type). */
async function opportunityRecordType(
  client: SalesforceClient,
  describe: DescribeSObjectResult,
): Promise<RecordTypeFacts | null> {
  const infos = (describe.recordTypeInfos ?? []) as unknown as RecordTypeInfoLike[];
  const chosen = infos.find(
    (info) => info.defaultRecordTypeMapping && !info.master && info.available !== false,
  );
  if (!chosen?.recordTypeId) return null;
  const path = `/services/data/v${SALESFORCE_API_VERSION}/ui-api/object-info/Opportunity/picklist-values/${chosen.recordTypeId}/StageName`;
  const answer = await client.call(
    `read the stages of record type ${chosen.name ?? chosen.recordTypeId}`,
    (conn) => conn.request<{ values?: Array<{ value: string }> }>(path),
  );
  return {
    name: chosen.name ?? chosen.recordTypeId,
    stages: (answer.values ?? []).map((entry) => entry.value),
  };
}

export async function readOrgDescribeFacts(
  client: SalesforceClient,
  objectNames: readonly string[],
): Promise<OrgDescribeFacts> {
  const objects: Record<string, OrgFieldFacts[] | null> = {};
  let opportunity: DescribeSObjectResult | null = null;
  for (const name of objectNames) {
    try {
      const describe = await client.describe(name);
      objects[name] = fieldFactsOf(describe);
      if (name === 'Opportunity') opportunity = describe;
    } catch (error) {
      if (!isRefusal(error)) throw error;
      objects[name] = null;
    }
  }
  const recordType = opportunity ? await opportunityRecordType(client, opportunity) : null;
  return { objects, opportunityRecordType: recordType };
}
