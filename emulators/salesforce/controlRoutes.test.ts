import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  control,
  errorOf,
  loginAs,
  startTestEmulator,
  useEmulatorSuite,
} from '../../test/support/salesforceEmulatorKit.ts';

const suite = useEmulatorSuite();
const opportunity = { Name: 'Settings deal', StageName: 'Prospecting', CloseDate: '2026-06-30' };

describe('daily API limit', () => {
  it('reports usage on every response and answers 403 REQUEST_LIMIT_EXCEEDED when it is spent', async () => {
    await control(suite.emulator, 'limits', { used: 14998, max: 15000 });
    const limits = (await suite.conn.limits()) as { DailyApiRequests: { Max: number; Remaining: number } };
    expect(limits.DailyApiRequests).toEqual({ Max: 15000, Remaining: 1 });
    expect(suite.conn.limitInfo).toEqual({ apiUsage: { used: 14999, limit: 15000 } });
    await suite.conn.query('SELECT Id FROM Organization');
    const error = await errorOf(suite.conn.query('SELECT Id FROM Organization'));
    expect(error).toMatchObject({
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
      message: 'TotalRequests Limit exceeded.',
    });
    await control(suite.emulator, 'limits', { used: 0 });
    expect((await suite.conn.query('SELECT Id FROM Organization')).totalSize).toBe(1);
  });
});

describe('faults', () => {
  it('injects a status for a number of matching requests, in Salesforce error shape', async () => {
    await control(suite.emulator, 'faults', {
      match: { method: 'POST', path: '/services/data/v62.0/sobjects/Account' },
      status: 503,
      count: 1,
    });
    const error = await errorOf(suite.conn.sobject('Account').create({ Name: 'Faulted' }));
    expect(error.errorCode).toBe('SERVER_UNAVAILABLE');
    expect((await suite.conn.sobject('Account').create({ Name: 'Recovered' })).success).toBe(true);
    await control(suite.emulator, 'faults', {
      match: { method: 'POST' },
      status: 400,
      count: 1,
      body: [
        {
          errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
          message: 'Close date cannot be in the past',
          fields: [],
        },
      ],
    });
    const validation = await errorOf(suite.conn.sobject('Account').create({ Name: 'Validated' }));
    expect(validation).toMatchObject({
      errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'Close date cannot be in the past',
    });
  });

  it('answers an HTML error page when asked to', async () => {
    await control(suite.emulator, 'faults', {
      match: { path: '/services/data' },
      status: 500,
      html: true,
      count: 1,
    });
    const error = await errorOf(suite.conn.sobject('Account').create({ Name: 'Html' }));
    expect(error.message).toMatch(/html/i);
    await control(suite.emulator, 'faults', {}, 'DELETE');
  });

  it('drops the connection and delays answers', async () => {
    await control(suite.emulator, 'faults', { match: { method: 'POST' }, drop: true, count: 1 });
    const dropped = await errorOf(suite.conn.sobject('Account').create({ Name: 'Dropped' }));
    expect(dropped.message).toMatch(/socket|ECONNRESET|hang up/i);
    await control(suite.emulator, 'faults', {
      match: { path: '/services/data/v62.0/limits' },
      latencyMs: 5000,
      count: 1,
    });
    const delayed = fetch(`${suite.emulator.url}/services/data/v62.0/limits`, {
      headers: { authorization: `Bearer ${suite.conn.accessToken}` },
      signal: AbortSignal.timeout(300),
    });
    await expect(delayed).rejects.toThrow();
  });
});

describe('org settings', () => {
  it('adds CurrencyIsoCode and CurrencyType with multi-currency', async () => {
    await control(suite.emulator, 'org-settings', {
      multiCurrency: true,
      currencies: ['USD', 'EUR'],
      defaultCurrency: 'EUR',
    });
    const defaulted = await suite.conn.sobject('Opportunity').create(opportunity);
    const usd = await suite.conn.sobject('Opportunity').create({ ...opportunity, CurrencyIsoCode: 'USD' });
    const records = await suite.conn
      .sobject('Opportunity')
      .retrieve([defaulted.id as string, usd.id as string], { fields: ['CurrencyIsoCode'] });
    expect(records.map((record) => record?.['CurrencyIsoCode'])).toEqual(['EUR', 'USD']);
    const bad = await errorOf(
      suite.conn.sobject('Opportunity').create({ ...opportunity, CurrencyIsoCode: 'GBP' }),
    );
    expect(bad.errorCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    const currencies = await suite.conn.query(
      'SELECT IsoCode, IsCorporate FROM CurrencyType ORDER BY IsoCode',
    );
    expect(currencies.records.map((row) => [row['IsoCode'], row['IsCorporate']])).toEqual([
      ['EUR', true],
      ['USD', false],
    ]);
    const [organization] = (await suite.conn.query('SELECT DefaultCurrencyIsoCode FROM Organization'))
      .records;
    expect(organization).toMatchObject({ DefaultCurrencyIsoCode: 'EUR' });
  });

  it('has OpportunityTeamMember only while team selling is enabled', async () => {
    const created = await suite.conn.sobject('Opportunity').create(opportunity);
    const member = await suite.conn.sobject('OpportunityTeamMember').create({
      OpportunityId: created.id,
      UserId: suite.emulator.users.integration.id,
      TeamMemberRole: 'Sales Rep',
    });
    const [row] = (
      await suite.conn.query(
        `SELECT Name, OpportunityAccessLevel, User.Email FROM OpportunityTeamMember WHERE Id = '${member.id}'`,
      )
    ).records;
    expect(row).toMatchObject({
      Name: 'Integration User',
      OpportunityAccessLevel: 'Read',
      User: { Email: suite.emulator.users.integration.username },
    });
    await control(suite.emulator, 'org-settings', { teamSelling: false });
    expect((await errorOf(suite.conn.query('SELECT Id FROM OpportunityTeamMember'))).errorCode).toBe(
      'INVALID_TYPE',
    );
    const global = await suite.conn.describeGlobal();
    expect(global.sobjects.map((object) => object.name)).not.toContain('OpportunityTeamMember');
  });

  it('stores notes as ContentNote linked with ContentDocumentLink, and hides them when notes are off', async () => {
    const created = await suite.conn.sobject('Opportunity').create(opportunity);
    const note = await suite.conn.sobject('ContentNote').create({
      Title: 'Call notes',
      Content: Buffer.from('<p>Customer wants Azure</p>').toString('base64'),
    });
    expect(note.id).toMatch(/^069/);
    await suite.conn
      .sobject('ContentDocumentLink')
      .create({ ContentDocumentId: note.id, LinkedEntityId: created.id, ShareType: 'V' });
    const links = await suite.conn.query(
      `SELECT ContentDocumentId, ContentDocument.Title, ContentDocument.TextPreview FROM ContentDocumentLink WHERE LinkedEntityId = '${created.id}'`,
    );
    expect(links.records[0]).toMatchObject({
      ContentDocumentId: note.id,
      ContentDocument: { Title: 'Call notes', TextPreview: 'Customer wants Azure' },
    });
    const stored = await suite.conn.sobject('ContentNote').retrieve(note.id as string);
    expect(stored['FileType']).toBe('SNOTE');
    const body = await fetch(`${suite.emulator.url}${String(stored['Content'])}`, {
      headers: { authorization: `Bearer ${suite.conn.accessToken}` },
    });
    expect(await body.text()).toBe('<p>Customer wants Azure</p>');
    await control(suite.emulator, 'org-settings', { notesEnabled: false });
    expect((await errorOf(suite.conn.query('SELECT Id FROM ContentNote'))).errorCode).toBe('INVALID_TYPE');
    await control(suite.emulator, 'reset');
    expect((await suite.conn.query('SELECT Id FROM ContentNote')).totalSize).toBe(0);
  });
});

describe('control tokens', () => {
  it('issues a session for the admin by default and for another active user by username', async () => {
    const admin = (await control(suite.emulator, 'token')) as { access_token: string; instance_url: string };
    expect(admin.instance_url).toBe(suite.emulator.url);
    const integration = (await control(suite.emulator, 'token', {
      username: suite.emulator.users.integration.username,
    })) as {
      access_token: string;
    };
    const whoAmI = async (token: string) =>
      (
        (await (
          await fetch(`${suite.emulator.url}/services/oauth2/userinfo`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json()) as {
          user_id: string;
        }
      ).user_id;
    expect(await whoAmI(admin.access_token)).toBe(suite.emulator.users.admin.id);
    expect(await whoAmI(integration.access_token)).toBe(suite.emulator.users.integration.id);
    await expect(control(suite.emulator, 'token', { username: 'nobody@example.com' })).rejects.toThrow(/404/);
  });
});

describe('connected app', () => {
  it('changes the client credentials, which the emulator handle reports', async () => {
    const original = { ...suite.emulator.connectedApp };
    try {
      await control(suite.emulator, 'connected-app', {
        clientId: 'rotated-client',
        clientSecret: 'rotated-secret',
      });
      expect(suite.emulator.connectedApp).toEqual({
        clientId: 'rotated-client',
        clientSecret: 'rotated-secret',
      });
      const conn = await loginAs(suite.emulator, 'integration');
      expect(conn.userInfo?.id).toBe(suite.emulator.users.integration.id);
    } finally {
      await control(suite.emulator, 'connected-app', original);
    }
  });
});

describe('lead conversion and change feeds', () => {
  it('converts a lead into account, contact and opportunity', async () => {
    const lead = await suite.conn.sobject('Lead').create({
      FirstName: 'Ana',
      LastName: 'Silva',
      Company: 'Northwind',
      Email: 'ana@northwind.example',
      Country: 'PT',
    });
    const converted = (await control(suite.emulator, `leads/${lead.id}/convert`, {
      opportunityName: 'Northwind - Azure',
    })) as {
      accountId: string;
      contactId: string;
      opportunityId: string;
    };
    const [row] = (
      await suite.conn.query(
        `SELECT IsConverted, Status, ConvertedAccountId, ConvertedContactId, ConvertedOpportunity.Name, ConvertedOpportunity.Account.Name FROM Lead WHERE Id = '${lead.id}'`,
      )
    ).records;
    expect(row).toMatchObject({
      IsConverted: true,
      Status: 'Closed - Converted',
      ConvertedAccountId: converted.accountId,
      ConvertedContactId: converted.contactId,
      ConvertedOpportunity: { Name: 'Northwind - Azure', Account: { Name: 'Northwind' } },
    });
    const again = await fetch(`${suite.emulator.url}/__emulator/leads/${lead.id}/convert`, {
      method: 'POST',
    });
    expect(again.status).toBe(400);
  });

  it('lists updated and deleted ids for a time window', async () => {
    const start = new Date(Date.now() - 60_000);
    const kept = await suite.conn.sobject('Account').create({ Name: 'Kept' });
    const removed = await suite.conn.sobject('Account').create({ Name: 'Removed' });
    await suite.conn.sobject('Account').destroy(removed.id as string);
    const end = new Date(Date.now() + 60_000);
    const updated = await suite.conn.sobject('Account').updated(start, end);
    expect(updated.ids).toEqual([kept.id]);
    const deleted = await suite.conn.sobject('Account').deleted(start, end);
    expect(deleted.deletedRecords.map((entry) => entry.id)).toEqual([removed.id]);
  });

  it('deleting an account cascades to its contacts, opportunities and their contact roles', async () => {
    const account = await suite.conn.sobject('Account').create({ Name: 'Parent' });
    const contact = await suite.conn.sobject('Contact').create({ LastName: 'Child', AccountId: account.id });
    const deal = await suite.conn.sobject('Opportunity').create({
      Name: 'Child deal',
      StageName: 'Prospecting',
      CloseDate: '2026-06-30',
      AccountId: account.id,
    });
    await suite.conn
      .sobject('OpportunityContactRole')
      .create({ OpportunityId: deal.id, ContactId: contact.id });
    await suite.conn.sobject('Account').destroy(account.id as string);
    for (const object of ['Contact', 'Opportunity', 'OpportunityContactRole']) {
      expect((await suite.conn.query(`SELECT COUNT() FROM ${object}`)).totalSize).toBe(0);
      expect(
        (await suite.conn.query(`SELECT COUNT() FROM ${object} WHERE IsDeleted = true`, { scanAll: true }))
          .totalSize,
      ).toBe(1);
    }
  });

  it('reset clears records but keeps users and the session', async () => {
    await suite.conn.sobject('Account').create({ Name: 'Before reset' });
    await control(suite.emulator, 'reset');
    expect((await suite.conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(0);
    expect((await suite.conn.query('SELECT COUNT() FROM User')).totalSize).toBeGreaterThanOrEqual(2);
  });
});

describe('state file', () => {
  it('keeps records, metadata and sessions across restarts', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'sf-emulator-'));
    try {
      const stateFile = join(directory, 'salesforce.json');
      const first = await startTestEmulator({ stateFile });
      const conn = await loginAs(first, 'admin');
      const created = await conn.sobject('Account').create({ Name: 'Persisted' });
      await conn.metadata.upsert('CustomField', {
        fullName: 'Account.Tier__c',
        label: 'Tier',
        type: 'Text',
        length: 20,
      });
      await first.close();
      const second = await startTestEmulator({ stateFile, port: Number(new URL(first.url).port) });
      try {
        const record = await conn
          .sobject('Account')
          .retrieve(created.id as string, { fields: ['Name', 'Tier__c'] });
        expect(record).toMatchObject({ Name: 'Persisted', Tier__c: null });
        expect(second.orgId).toBe(first.orgId);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
