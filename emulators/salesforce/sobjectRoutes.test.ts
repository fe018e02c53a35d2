import { describe, expect, it } from 'vitest';
import { errorOf, loginAs, useEmulatorSuite } from '../../test/support/salesforceEmulatorKit.ts';

const suite = useEmulatorSuite();

const newOpportunity = { Name: 'Contoso expansion', StageName: 'Prospecting', CloseDate: '2026-06-30' };

describe('record CRUD', () => {
  it('creates, reads, updates and deletes an opportunity with system fields and derived stage fields', async () => {
    const created = await suite.conn.sobject('Opportunity').create({ ...newOpportunity, Amount: 1200 });
    expect(created.success).toBe(true);
    expect(created.id).toMatch(/^006[a-zA-Z0-9]{15}$/);
    const record = await suite.conn.sobject('Opportunity').retrieve(created.id!);
    expect(record).toMatchObject({
      attributes: { type: 'Opportunity' },
      Name: 'Contoso expansion',
      Amount: 1200,
      IsClosed: false,
      Probability: 10,
      ForecastCategoryName: 'Pipeline',
      OwnerId: suite.emulator.users.admin.id,
      LastModifiedById: suite.emulator.users.admin.id,
    });
    expect(record['CreatedDate']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/);
    await suite.conn.sobject('Opportunity').update({ Id: created.id!, StageName: 'Closed Won' });
    const won = await suite.conn
      .sobject('Opportunity')
      .retrieve(created.id!, { fields: ['IsWon', 'IsClosed', 'Probability'] });
    expect(won).toMatchObject({ IsWon: true, IsClosed: true, Probability: 100 });
    expect(Object.keys(won)).toEqual(['attributes', 'IsWon', 'IsClosed', 'Probability']);
    await suite.conn.sobject('Opportunity').destroy(created.id!);
    const gone = await errorOf(suite.conn.sobject('Opportunity').retrieve(created.id!));
    expect(gone.errorCode).toBe('ENTITY_IS_DELETED');
  });

  it('reports validation errors in Salesforce shapes', async () => {
    const missing = await errorOf(suite.conn.sobject('Opportunity').create({ Name: 'No stage' }));
    expect(missing.errorCode).toBe('REQUIRED_FIELD_MISSING');
    expect(missing.message).toContain('StageName');
    const badStage = await errorOf(
      suite.conn.sobject('Opportunity').create({ ...newOpportunity, StageName: 'Dreaming' }),
    );
    expect(badStage.errorCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    const unknownField = await errorOf(
      suite.conn.sobject('Opportunity').create({ ...newOpportunity, Nope__c: 'x' }),
    );
    expect(unknownField.errorCode).toBe('INVALID_FIELD');
    const currency = await errorOf(
      suite.conn.sobject('Opportunity').create({ ...newOpportunity, CurrencyIsoCode: 'EUR' }),
    );
    expect(currency.errorCode).toBe('INVALID_FIELD');
    const tooLong = await errorOf(
      suite.conn.sobject('Opportunity').create({ ...newOpportunity, Name: 'x'.repeat(121) }),
    );
    expect(tooLong.errorCode).toBe('STRING_TOO_LONG');
    const badId = await errorOf(
      suite.conn.sobject('Opportunity').create({ ...newOpportunity, AccountId: 'not-an-id' }),
    );
    expect(badId.errorCode).toBe('MALFORMED_ID');
    const contact = await suite.conn.sobject('Contact').create({ LastName: 'Wong' });
    const wrongType = await errorOf(
      suite.conn.sobject('Opportunity').create({ ...newOpportunity, AccountId: contact.id }),
    );
    expect(wrongType.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    const readOnly = await errorOf(
      suite.conn.sobject('Opportunity').create({ ...newOpportunity, IsWon: true }),
    );
    expect(readOnly.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    const unknownType = await errorOf(suite.conn.sobject('Nope__c').create({ Name: 'x' }));
    expect(unknownType.errorCode).toBe('NOT_FOUND');
  });

  it('answers If-Modified-Since with 304 and If-Unmodified-Since with 412 once the record changed', async () => {
    const created = await suite.conn.sobject('Account').create({ Name: 'Fabrikam' });
    const before = new Date(Date.now() - 60_000).toUTCString();
    const after = new Date(Date.now() + 60_000).toUTCString();
    const unchanged = await suite.conn
      .sobject('Account')
      .retrieve(created.id!, { headers: { 'If-Modified-Since': after } });
    expect(unchanged).toBe('');
    const stale = await errorOf(
      suite.conn
        .sobject('Account')
        .update({ Id: created.id!, Name: 'Fabrikam 2' }, { headers: { 'If-Unmodified-Since': before } }),
    );
    expect(stale.errorCode).toBe('PRECONDITION_FAILED');
    const fresh = await suite.conn
      .sobject('Account')
      .update({ Id: created.id!, Name: 'Fabrikam 3' }, { headers: { 'If-Unmodified-Since': after } });
    expect(fresh.success).toBe(true);
  });
});

describe('upsert by external id', () => {
  it('creates (201) and updates (200 with created:false) by a unique lookup field', async () => {
    const first = await suite.conn
      .sobject('User')
      .upsert(
        { Username: 'seller@example.com', Email: 'seller@example.com', LastName: 'Seller' },
        'Username',
      );
    expect(first).toMatchObject({ success: true, created: true });
    const again = await suite.conn
      .sobject('User')
      .upsert({ Username: 'seller@example.com', FirstName: 'Sam' }, 'Username');
    expect(again).toMatchObject({ id: first.id, success: true, created: false });
    const user = await suite.conn.sobject('User').retrieve(first.id!);
    expect(user['Name']).toBe('Sam Seller');
  });

  it('answers an update with 204 (no body) before API version 46', async () => {
    const old = await loginAs(suite.emulator, 'admin', '45.0');
    await old
      .sobject('User')
      .create({ Username: 'old@example.com', Email: 'old@example.com', LastName: 'Old' });
    const result = await old
      .sobject('User')
      .upsert({ Username: 'old@example.com', Title: 'Manager' }, 'Username');
    expect(result).toEqual({ success: true, errors: [] });
    const [user] = (await old.query("SELECT Title FROM User WHERE Username = 'old@example.com'")).records;
    expect(user?.['Title']).toBe('Manager');
  });

  it('answers 404 NOT_FOUND for a field that is not an external id', async () => {
    const error = await errorOf(
      suite.conn.sobject('Opportunity').upsert({ ...newOpportunity, Name: 'x' }, 'Name'),
    );
    expect(error.errorCode).toBe('NOT_FOUND');
  });
});

describe('related records', () => {
  it('keeps one primary contact role per opportunity', async () => {
    const deal = await suite.conn.sobject('Opportunity').create(newOpportunity);
    const [first, second] = await suite.conn
      .sobject('Contact')
      .create([{ LastName: 'First' }, { LastName: 'Second' }]);
    await suite.conn
      .sobject('OpportunityContactRole')
      .create({ OpportunityId: deal.id, ContactId: first?.id, IsPrimary: true });
    await suite.conn
      .sobject('OpportunityContactRole')
      .create({ OpportunityId: deal.id, ContactId: second?.id, IsPrimary: true });
    const roles = await suite.conn.query(
      'SELECT Contact.LastName, IsPrimary FROM OpportunityContactRole ORDER BY Contact.LastName',
    );
    expect(
      roles.records.map((role) => [(role['Contact'] as { LastName: string }).LastName, role['IsPrimary']]),
    ).toEqual([
      ['First', false],
      ['Second', true],
    ]);
  });
});

describe('version resources', () => {
  it('lists versions without a session and serves the version root with the identity URL', async () => {
    const versions = (await (await fetch(`${suite.emulator.url}/services/data`)).json()) as Array<{
      version: string;
    }>;
    expect(versions.map((entry) => entry.version)).toContain('62.0');
    const root = await fetch(`${suite.emulator.url}/services/data/v62.0`, {
      headers: { authorization: `Bearer ${suite.conn.accessToken}` },
    });
    expect(root.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/15000$/);
    expect(await root.json()).toMatchObject({
      identity: `${suite.emulator.url}/id/${suite.emulator.orgId}/${suite.emulator.users.admin.id}`,
    });
    const unknown = await fetch(`${suite.emulator.url}/services/data/latest/sobjects`, {
      headers: { authorization: `Bearer ${suite.conn.accessToken}` },
    });
    expect(unknown.status).toBe(404);
  });
});

describe('describe', () => {
  it('lists objects and describes fields, picklists and child relationships', async () => {
    const global = await suite.conn.describeGlobal();
    const names = global.sobjects.map((object) => object.name);
    expect(names).toEqual(
      expect.arrayContaining(['Account', 'Contact', 'Opportunity', 'OpportunityContactRole', 'Lead', 'User']),
    );
    const opportunity = await suite.conn.describe('Opportunity');
    const stage = opportunity.fields.find((candidate) => candidate.name === 'StageName');
    expect(stage).toMatchObject({
      type: 'picklist',
      restrictedPicklist: true,
      nillable: false,
      createable: true,
    });
    expect(stage?.picklistValues?.map((value) => value.value)).toContain('Closed Won');
    const account = opportunity.fields.find((candidate) => candidate.name === 'AccountId');
    expect(account).toMatchObject({ referenceTo: ['Account'], relationshipName: 'Account' });
    expect(opportunity.childRelationships.map((child) => child.relationshipName)).toEqual(
      expect.arrayContaining(['OpportunityContactRoles', 'OpportunityTeamMembers']),
    );
  });
});
