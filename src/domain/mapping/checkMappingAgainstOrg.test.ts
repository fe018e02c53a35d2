import { describe, expect, it } from 'vitest';
import {
  checkMappingAgainstOrg,
  type OrgDescribeFacts,
  type OrgFieldFacts,
} from './checkMappingAgainstOrg.ts';
import { defaultMapping } from './defaultMapping.ts';
import { mappingSchema } from './mappingSchema.ts';

const field = (name: string, type: string, extra: Partial<OrgFieldFacts> = {}): OrgFieldFacts => ({
  name,
  type,
  createable: true,
  updateable: true,
  nillable: true,
  defaultedOnCreate: false,
  externalId: false,
  picklistValues: [],
  restrictedPicklist: false,
  ...extra,
});

const STAGES = ['Prospecting', 'Qualification', 'Needs Analysis', 'Closed Won', 'Closed Lost'];
const HELP = Object.values(defaultMapping.valueMaps.assistanceRequestCode);

/** What describe says in an org with the package installed and the permission set assigned. */
function healthyOrg(): OrgDescribeFacts {
  return {
    objects: {
      Opportunity: [
        field('Id', 'id', { createable: false, updateable: false, nillable: false, defaultedOnCreate: true }),
        field('Name', 'string', { nillable: false }),
        field('StageName', 'picklist', { nillable: false, picklistValues: STAGES, restrictedPicklist: true }),
        field('CloseDate', 'date', { nillable: false }),
        field('Amount', 'currency'),
        field('CurrencyIsoCode', 'picklist', { picklistValues: ['USD', 'EUR'], defaultedOnCreate: true }),
        field('Description', 'textarea'),
        field('AccountId', 'reference'),
        field('OwnerId', 'reference', { nillable: false, defaultedOnCreate: true }),
        field('Sync_with_Partner_Center__c', 'boolean', { nillable: false, defaultedOnCreate: true }),
        field('Partner_Center_Referral_Id__c', 'string', { externalId: true }),
        field('Partner_Center_Referral_Link__c', 'url'),
        field('How_can_Microsoft_help__c', 'picklist', { picklistValues: HELP }),
        field('Share_with_Microsoft_Sellers__c', 'boolean', { nillable: false, defaultedOnCreate: true }),
        field('Partner_Center_Status__c', 'string'),
        field('Partner_Center_Status_Reason__c', 'string'),
        field('Partner_Center_Sync_Status__c', 'picklist', {
          picklistValues: ['Synced', 'Pending', 'Error'],
        }),
        field('Partner_Center_Audit__c', 'textarea'),
        field('Microsoft_CRM_Id__c', 'string'),
      ],
      Account: [
        field('Name', 'string', { nillable: false }),
        ...['BillingStreet', 'BillingCity', 'BillingState', 'BillingPostalCode', 'BillingCountry'].map(
          (name) => field(name, name === 'BillingStreet' ? 'textarea' : 'string'),
        ),
      ],
      Contact: [
        field('LastName', 'string', { nillable: false }),
        field('FirstName', 'string'),
        field('Email', 'email'),
        field('Phone', 'phone'),
        field('Title', 'string'),
        field('AccountId', 'reference'),
      ],
      Microsoft_Solution__c: [
        field('Name', 'string', { nillable: false, defaultedOnCreate: true }),
        field('Opportunity__c', 'reference', { nillable: false, updateable: false }),
        field('Solution_Id__c', 'string'),
        field('Solution_Name__c', 'string'),
        field('Publisher__c', 'string'),
      ],
    },
    opportunityRecordType: null,
  };
}

function withOpportunityFields(
  org: OrgDescribeFacts,
  change: (fields: OrgFieldFacts[]) => OrgFieldFacts[],
): OrgDescribeFacts {
  return {
    ...org,
    objects: { ...org.objects, Opportunity: change([...(org.objects['Opportunity'] ?? [])]) },
  };
}

describe('checkMappingAgainstOrg', () => {
  it('finds nothing wrong with the default mapping in an org that has the package', () => {
    expect(checkMappingAgainstOrg(defaultMapping, healthyOrg())).toEqual([]);
  });

  it('names a mapped field the org does not have, with the mapping path and the fix', () => {
    const mapping = mappingSchema.parse({ fields: { dealValue: { salesforceField: 'Deal_Value__c' } } });
    const problems = checkMappingAgainstOrg(mapping, healthyOrg());
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      kind: 'missing_field',
      object: 'Opportunity',
      field: 'Deal_Value__c',
      mappingPath: 'fields.dealValue.salesforceField',
    });
    expect(problems[0]?.fix).toContain('permission set');
  });

  it('reports a field of the wrong type, and a read-only field the connector writes', () => {
    const org = withOpportunityFields(healthyOrg(), (fields) =>
      fields.map((entry) =>
        entry.name === 'Amount'
          ? field('Amount', 'string')
          : entry.name === 'Partner_Center_Audit__c'
            ? { ...entry, createable: false, updateable: false }
            : entry,
      ),
    );
    const problems = checkMappingAgainstOrg(defaultMapping, org);
    expect(problems.map((problem) => [problem.kind, problem.field])).toEqual([
      ['wrong_type', 'Amount'],
      ['not_writable', 'Partner_Center_Audit__c'],
    ]);
    expect(problems[1]?.fix).toContain('Edit access to Opportunity.Partner_Center_Audit__c');
  });

  it('does not need write access for a field that flows only to Partner Center', () => {
    const mapping = mappingSchema.parse({ fields: { dealValue: { direction: 'toPartnerCenter' } } });
    const org = withOpportunityFields(healthyOrg(), (fields) =>
      fields.map((entry) =>
        entry.name === 'Amount' ? { ...entry, createable: false, updateable: false } : entry,
      ),
    );
    expect(checkMappingAgainstOrg(mapping, org)).toEqual([]);
  });

  it('reports value-map labels and stages the picklists do not have', () => {
    const org = withOpportunityFields(healthyOrg(), (fields) =>
      fields.map((entry) =>
        entry.name === 'How_can_Microsoft_help__c'
          ? { ...entry, picklistValues: HELP.slice(1), restrictedPicklist: true }
          : entry.name === 'StageName'
            ? { ...entry, picklistValues: STAGES.filter((stage) => stage !== 'Qualification') }
            : entry,
      ),
    );
    const problems = checkMappingAgainstOrg(defaultMapping, org);
    expect(problems.map((problem) => [problem.kind, problem.field])).toEqual([
      ['picklist_value_missing', 'StageName'],
      ['picklist_value_missing', 'How_can_Microsoft_help__c'],
    ]);
    expect(problems[0]?.message).toContain('"Qualification"');
    expect(problems[1]?.message).toContain(`"${HELP[0]}"`);
    expect(problems[1]?.message).toContain('restricted');
  });

  it('checks the stages against the sales process of the record type in use', () => {
    const org = {
      ...healthyOrg(),
      opportunityRecordType: { name: 'Partner Deal', stages: ['Prospecting', 'Closed Won', 'Closed Lost'] },
    };
    const problems = checkMappingAgainstOrg(defaultMapping, org);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'stage_not_in_record_type', field: 'StageName' });
    expect(problems[0]?.message).toContain('"Qualification"');
    expect(problems[0]?.fix).toContain('Prospecting, Closed Won, Closed Lost');
  });

  it('reports required fields without a default that the connector leaves empty, unless a transform fills them', () => {
    const org = withOpportunityFields(healthyOrg(), (fields) => [
      ...fields,
      field('Region__c', 'picklist', { nillable: false, picklistValues: ['EMEA'] }),
    ]);
    const problems = checkMappingAgainstOrg(defaultMapping, org);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      kind: 'required_field_unfilled',
      object: 'Opportunity',
      field: 'Region__c',
    });
    const filled = mappingSchema.parse({ transforms: { salesforce: { Region__c: '"EMEA"' } } });
    expect(checkMappingAgainstOrg(filled, org)).toEqual([]);
  });

  it('reports a missing solution object once, and a referral id field that is not an external id', () => {
    const org = withOpportunityFields(healthyOrg(), (fields) =>
      fields.map((entry) =>
        entry.name === 'Partner_Center_Referral_Id__c' ? { ...entry, externalId: false } : entry,
      ),
    );
    const problems = checkMappingAgainstOrg(defaultMapping, {
      ...org,
      objects: { ...org.objects, Microsoft_Solution__c: null },
    });
    expect(problems.map((problem) => [problem.kind, problem.object])).toEqual([
      ['not_external_id', 'Opportunity'],
      ['missing_object', 'Microsoft_Solution__c'],
    ]);
    expect(problems[1]?.fix).toContain('cosell salesforce install');
  });
});
