import { expect, it } from 'vitest';
import { control, errorOf, loginAs, useEmulatorSuite } from '../../test/support/salesforceEmulatorKit.ts';

const suite = useEmulatorSuite();

const opportunity = (extra: Record<string, unknown> = {}) => ({
  Name: 'Contoso migration',
  StageName: 'Prospecting',
  CloseDate: '2027-03-31',
  ...extra,
});

interface CollectionResult {
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[]; duplicateResult?: unknown }>;
}

it('answers a failing validation rule with FIELD_CUSTOM_VALIDATION_EXCEPTION, in REST and per record in collections', async () => {
  await control(suite.emulator, 'org-realism', {
    validationRules: [
      {
        object: 'Opportunity',
        name: 'Amount_Required_After_Qualification',
        errorMessage: 'Enter an Amount before moving past Prospecting.',
        errorField: 'Amount',
        condition: {
          all: [
            { field: 'StageName', op: 'notEquals', value: 'Prospecting' },
            { field: 'Amount', op: 'blank' },
          ],
        },
      },
    ],
  });
  const error = await errorOf(
    suite.conn.sobject('Opportunity').create(opportunity({ StageName: 'Qualification' })),
  );
  expect(error.errorCode).toBe('FIELD_CUSTOM_VALIDATION_EXCEPTION');
  expect(error.message).toBe('Enter an Amount before moving past Prospecting.');
  expect(error.data).toMatchObject({ fields: ['Amount'] });

  const results = (await suite.conn
    .sobject('Opportunity')
    .create([opportunity(), opportunity({ StageName: 'Qualification' })], {
      allOrNone: false,
    })) as unknown as CollectionResult[];
  expect(results[0]?.success).toBe(true);
  expect(results[1]?.errors).toEqual([
    {
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'Enter an Amount before moving past Prospecting.',
      fields: ['Amount'],
    },
  ]);
});

it('applies update-only rules with a changed condition, and lists every failing rule at once', async () => {
  await control(suite.emulator, 'org-realism', {
    validationRules: [
      {
        object: 'Opportunity',
        name: 'Name_Locked',
        errorMessage: 'The name cannot change.',
        errorField: null,
        condition: { field: 'Name', op: 'changed' },
        on: ['update'],
      },
      {
        object: 'Opportunity',
        name: 'No_Negative_Amount',
        errorMessage: 'Amount cannot be negative.',
        errorField: 'Amount',
        condition: { field: 'Amount', op: 'lessThan', value: 0 },
      },
    ],
  });
  const created = await suite.conn.sobject('Opportunity').create(opportunity());
  const id = created.id as string;
  const error = await errorOf(
    suite.conn.sobject('Opportunity').update({ Id: id, Name: 'Renamed', Amount: -5 }),
  );
  expect(error.errorCode).toBe('MULTIPLE_API_ERRORS');
  expect(error.data).toEqual([
    { message: 'The name cannot change.', errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', fields: [] },
    {
      message: 'Amount cannot be negative.',
      errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      fields: ['Amount'],
    },
  ]);
  await suite.conn.sobject('Opportunity').update({ Id: id, Amount: 10 });
});

it('requires an org-specific required custom field (REQUIRED_FIELD_MISSING) and restricts a picklist', async () => {
  await control(suite.emulator, 'org-realism', {
    customFields: [
      {
        fullName: 'Opportunity.Region__c',
        label: 'Region',
        type: 'Picklist',
        required: true,
        picklistValues: ['EMEA', 'AMER'],
        restricted: true,
      },
    ],
    restrictedPicklists: [{ object: 'Opportunity', field: 'LeadSource', values: ['Web', 'Partner'] }],
  });
  const missing = await errorOf(suite.conn.sobject('Opportunity').create(opportunity()));
  expect(missing.errorCode).toBe('REQUIRED_FIELD_MISSING');
  expect(missing.message).toBe('Required fields are missing: [Region__c]');
  const restricted = await errorOf(
    suite.conn.sobject('Opportunity').create(opportunity({ Region__c: 'EMEA', LeadSource: 'Phone Inquiry' })),
  );
  expect(restricted.errorCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  expect(restricted.message).toBe('Lead Source: bad value for restricted picklist field: Phone Inquiry');
  const describe = await suite.conn.sobject('Opportunity').describe();
  const region = describe.fields.find((field) => field.name === 'Region__c');
  expect(region).toMatchObject({ nillable: false, defaultedOnCreate: false, createable: true });
  await suite.conn.sobject('Opportunity').create(opportunity({ Region__c: 'EMEA', LeadSource: 'Web' }));
});

it('gives opportunities the default record type and refuses a stage outside its sales process', async () => {
  await control(suite.emulator, 'org-realism', {
    recordTypes: [
      {
        object: 'Opportunity',
        developerName: 'Partner_Deal',
        label: 'Partner Deal',
        salesProcess: 'Partner Sales',
        stages: ['Discovery', 'Prospecting', 'Closed Won', 'Closed Lost'],
        default: true,
      },
      { object: 'Opportunity', developerName: 'Direct', label: 'Direct', salesProcess: 'Direct Sales' },
    ],
  });
  const describe = await suite.conn.sobject('Opportunity').describe();
  const partner = describe.recordTypeInfos.find(
    (info) => (info as unknown as { developerName: string }).developerName === 'Partner_Deal',
  );
  expect(partner).toMatchObject({ defaultRecordTypeMapping: true, master: false, available: true });
  const created = await suite.conn.sobject('Opportunity').create(opportunity());
  const record = await suite.conn.sobject('Opportunity').retrieve(created.id as string);
  expect(record['RecordTypeId']).toBe(partner?.recordTypeId);

  const error = await errorOf(
    suite.conn.sobject('Opportunity').create(opportunity({ StageName: 'Qualification' })),
  );
  expect(error.errorCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  expect(error.message).toBe('Stage: bad value for restricted picklist field: Qualification');

  const values = (await suite.conn.request(
    `/services/data/v62.0/ui-api/object-info/Opportunity/picklist-values/${partner?.recordTypeId}/StageName`,
  )) as { values: Array<{ value: string }> };
  expect(values.values.map((value) => value.value)).toEqual(['Prospecting', 'Closed Won', 'Closed Lost']);
  const types = await suite.conn.query<{ DeveloperName: string }>(
    "SELECT DeveloperName FROM RecordType WHERE SobjectType = 'Opportunity' ORDER BY DeveloperName",
  );
  expect(types.records.map((row) => row.DeveloperName)).toEqual(['Direct', 'Partner_Deal']);
});

it('blocks a duplicate account with DUPLICATES_DETECTED and its duplicateResult', async () => {
  await control(suite.emulator, 'org-realism', {
    duplicateRules: [{ object: 'Account', name: 'Standard_Account_Duplicate_Rule', matchFields: ['Name'] }],
  });
  const first = await suite.conn.sobject('Account').create({ Name: 'Contoso Ltd' });
  const results = (await suite.conn
    .sobject('Account')
    .create([{ Name: ' contoso ltd ' }, { Name: 'Fabrikam' }], {
      allOrNone: false,
    })) as unknown as CollectionResult[];
  expect(results.map((result) => result.success)).toEqual([false, true]);
  const rules = await suite.conn.query<{ DeveloperName: string; SobjectType: string }>(
    'SELECT DeveloperName, SobjectType FROM DuplicateRule WHERE IsActive = true',
  );
  expect(rules.records).toMatchObject([
    { DeveloperName: 'Standard_Account_Duplicate_Rule', SobjectType: 'Account' },
  ]);
  expect(results[0]?.errors[0]).toMatchObject({
    statusCode: 'DUPLICATES_DETECTED',
    message: "You're creating a duplicate record. We recommend you use an existing record instead.",
    duplicateResult: {
      duplicateRule: 'Standard_Account_Duplicate_Rule',
      matchResults: [{ matchRecords: [{ record: { Id: first.id } }] }],
    },
  });
});

it('hides fields from the integration user (INVALID_FIELD) and makes others read-only, as describe shows', async () => {
  await control(suite.emulator, 'org-realism', {
    fieldSecurity: [
      { object: 'Opportunity', field: 'Amount', access: 'hidden' },
      { object: 'Opportunity', field: 'NextStep', access: 'readOnly' },
    ],
  });
  const integration = await loginAs(suite.emulator, 'integration');
  const query = await errorOf(integration.query('SELECT Id, Amount FROM Opportunity'));
  expect(query.errorCode).toBe('INVALID_FIELD');
  const write = await errorOf(integration.sobject('Opportunity').create(opportunity({ NextStep: 'Call' })));
  expect(write.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
  expect(write.message).toContain('Unable to create fields: NextStep');
  const describe = await integration.sobject('Opportunity').describe();
  expect(describe.fields.some((field) => field.name === 'Amount')).toBe(false);
  expect(describe.fields.find((field) => field.name === 'NextStep')).toMatchObject({
    createable: false,
    updateable: false,
  });
  // The admin still sees and writes everything.
  await suite.conn.sobject('Opportunity').create(opportunity({ Amount: 5, NextStep: 'Call' }));
});

it('holds latestDateCovered at the start of an open long-running transaction, whose rows commit stamped in the past', async () => {
  const { id: transactionId, startedAt } = (await control(suite.emulator, 'transactions')) as {
    id: string;
    startedAt: string;
  };
  await control(suite.emulator, 'clock', { advanceMs: 120_000 });
  const later = await suite.conn.sobject('Opportunity').create(opportunity({ Name: 'Committed first' }));
  const start = new Date(Date.parse(startedAt.replace('+0000', 'Z')) - 60_000);
  const end = new Date(Date.parse(startedAt.replace('+0000', 'Z')) + 600_000);
  const during = await suite.conn.sobject('Opportunity').updated(start.toISOString(), end.toISOString());
  expect(during.ids).toEqual([later.id]);
  expect(during.latestDateCovered).toBe(startedAt);

  const committed = (await control(suite.emulator, `transactions/${transactionId}/commit`, {
    records: [{ type: 'Opportunity', fields: opportunity({ Name: 'Committed late' }) }],
  })) as { ids: string[] };
  const row = await suite.conn.sobject('Opportunity').retrieve(committed.ids[0] as string);
  expect(row['SystemModstamp']).toBe(startedAt);
  const after = await suite.conn.sobject('Opportunity').updated(start.toISOString(), end.toISOString());
  expect(after.latestDateCovered).not.toBe(startedAt);
  expect([...after.ids].sort()).toEqual([committed.ids[0], later.id].sort());
});

it('is off after DELETE /__emulator/org-realism and after a reset', async () => {
  await control(suite.emulator, 'org-realism', {
    duplicateRules: [{ object: 'Account', name: 'Dupes', matchFields: ['Name'] }],
  });
  await control(suite.emulator, 'org-realism', {}, 'DELETE');
  await suite.conn.sobject('Account').create([{ Name: 'Same' }, { Name: 'Same' }]);
  const current = await (await fetch(`${suite.emulator.url}/__emulator/org-realism`)).json();
  expect(current).toMatchObject({ duplicateRules: [], validationRules: [] });
});
