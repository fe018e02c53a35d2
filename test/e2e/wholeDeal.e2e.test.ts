import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncDeal } from '../../src/sync/syncDeal.ts';
import {
  inboundReferral,
  recordForReferral,
  referralById,
  startTestSandbox,
  type TestSandbox,
  waitFor,
  waitForQuiet,
} from '../support/sandboxHarness.ts';

type Row = Record<string, unknown>;

const contact = (first: string, last: string, email: string) => ({
  firstName: first,
  lastName: last,
  email,
  phoneNumber: '+1 425 555 0100',
  title: 'Director',
});

function customerProfile(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Woodgrove Bank',
    size: '1001to5000employees',
    address: {
      addressLine1: '1 Bank Plaza',
      city: 'Chicago',
      state: 'IL',
      postalCode: '60601',
      country: 'US',
    },
    team: [
      contact('Ines', 'Garcia', 'ines.garcia@woodgrove.example'),
      contact('Omar', 'Haddad', 'omar.haddad@woodgrove.example'),
    ],
    ids: [{ profileType: 'Duns', id: '12-345-6789' }],
    ...overrides,
  };
}

const solutions = [
  { type: 'Name', id: 'SOL-11111-AAA', name: 'Fraud Analytics', publisherName: 'Fabrikam Partner' },
  { type: 'Name', id: 'SOL-22222-BBB', name: 'Core Banking Migration', publisherName: 'Fabrikam Partner' },
];

describe('the whole deal: account, contacts, solutions, team, leads', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    const dir = (await import('node:os')).tmpdir();
    const mappingFile = join(dir, `cosell-mapping-${process.pid}-${Date.now()}.yaml`);
    // Keep the DUNS in Account.AccountNumber, send unaccepted Microsoft leads to Salesforce Leads, notes in a Note.
    writeFileSync(
      mappingFile,
      'account:\n  dunsField: AccountNumber\nleads:\n  handling: lead\nnotes:\n  target: contentNote\n',
    );
    sandbox = await startTestSandbox({ configOverrides: { sync: { mappingFile } } });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  const opportunityFor = (referralId: string) => recordForReferral(sandbox, referralId, 'Id, AccountId');

  it('brings in the account (by DUNS, reused), both contacts with roles, both solutions and the partner team — and replays add nothing', async () => {
    const admin = sandbox.emulators.salesforce.users.admin;
    const adminUser = (await sandbox.seller.sobject('User').retrieve(admin.id)) as Row;
    const first = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({
        name: 'Woodgrove – fraud analytics',
        customerProfile: customerProfile(),
        details: {
          dealValue: 250000,
          currency: 'USD',
          closingDateTime: '2027-04-30T00:00:00Z',
          notes: 'Two workloads',
          requirements: { solutions },
        },
        team: [
          { firstName: 'Partner', lastName: 'Seller', email: String(adminUser['Email']), phoneNumber: null },
        ],
      }),
    );
    const referralId = String(first['id']);
    const opportunity = await waitFor('the opportunity', () => opportunityFor(referralId));
    await waitForQuiet(sandbox, { quietMs: 1500 });
    const opportunityId = String(opportunity['Id']);
    const accountId = String(opportunity['AccountId']);

    const account = (await sandbox.seller.sobject('Account').retrieve(accountId)) as Row;
    expect(account).toMatchObject({
      Name: 'Woodgrove Bank',
      AccountNumber: '12-345-6789',
      BillingCountry: 'US',
      BillingPostalCode: '60601',
    });
    const roles = await sandbox.seller.query<Row>(
      `SELECT ContactId, Contact.Email, Contact.AccountId FROM OpportunityContactRole WHERE OpportunityId = '${opportunityId}'`,
    );
    expect(roles.records.map((role) => (role['Contact'] as Row)['Email']).sort()).toEqual([
      'ines.garcia@woodgrove.example',
      'omar.haddad@woodgrove.example',
    ]);
    expect(roles.records.every((role) => (role['Contact'] as Row)['AccountId'] === accountId)).toBe(true);
    const solutionRows = await sandbox.seller.query<Row>(
      `SELECT Id, Solution_Id__c FROM Microsoft_Solution__c WHERE Opportunity__c = '${opportunityId}'`,
    );
    expect(solutionRows.records.map((row) => row['Solution_Id__c']).sort()).toEqual([
      'SOL-11111-AAA',
      'SOL-22222-BBB',
    ]);
    const team = await sandbox.seller.query<Row>(
      `SELECT UserId FROM OpportunityTeamMember WHERE OpportunityId = '${opportunityId}'`,
    );
    expect(team.records.map((member) => member['UserId'])).toEqual([admin.id]);
    // The deal notes live in a Note (notes.target: contentNote), and Microsoft's invitation notes are shown too.
    const gateway = sandbox.connector.salesforce.gateway;
    expect(await gateway.readNote(opportunityId, 'Partner Center notes')).toBe('Two workloads');
    expect(await gateway.readNote(opportunityId, 'Note from Microsoft')).toBe(
      'Microsoft seller: please call the CIO this week.',
    );

    // Replays (webhook redeliveries, reconcile, retries) change nothing.
    for (let i = 0; i < 3; i++) await syncDeal(sandbox.connector.deps, { referralId, trigger: 'retry' });
    const counts = async () => ({
      accounts: (await sandbox.seller.query(`SELECT Id FROM Account WHERE AccountNumber = '12-345-6789'`))
        .totalSize,
      contacts: (await sandbox.seller.query(`SELECT Id FROM Contact WHERE AccountId = '${accountId}'`))
        .totalSize,
      roles: (
        await sandbox.seller.query(
          `SELECT Id FROM OpportunityContactRole WHERE OpportunityId = '${opportunityId}'`,
        )
      ).totalSize,
      solutions: (
        await sandbox.seller.query(
          `SELECT Id FROM Microsoft_Solution__c WHERE Opportunity__c = '${opportunityId}'`,
        )
      ).totalSize,
      opportunities: (
        await sandbox.seller.query(
          `SELECT Id FROM Opportunity WHERE Partner_Center_Referral_Id__c = '${referralId}'`,
        )
      ).totalSize,
    });
    expect(await counts()).toEqual({ accounts: 1, contacts: 2, roles: 2, solutions: 2, opportunities: 1 });

    // A second referral for the same customer (same DUNS, name spelled differently) reuses the account.
    const second = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({
        name: 'Woodgrove – core banking',
        customerProfile: customerProfile({ name: 'WOODGROVE BANK, INC.' }),
      }),
    );
    const secondOpportunity = await waitFor('the second opportunity', () =>
      opportunityFor(String(second['id'])),
    );
    expect(secondOpportunity['AccountId']).toBe(accountId);

    // Removing a solution in Salesforce removes it from the referral.
    await waitForQuiet(sandbox, { quietMs: 1500 });
    const toRemove = solutionRows.records.find((row) => row['Solution_Id__c'] === 'SOL-22222-BBB');
    await sandbox.seller.sobject('Microsoft_Solution__c').destroy(String(toRemove?.['Id']));
    await waitFor('one solution left on the referral', async () => {
      const referral = await referralById(sandbox, referralId);
      const left = ((referral['details'] as Row)['requirements'] as Row)['solutions'] as Row[];
      return left.length === 1 && left[0]?.['id'] === 'SOL-11111-AAA';
    });

    // Adding a contact in Partner Center adds a contact role.
    await waitForQuiet(sandbox, { quietMs: 1500 });
    const referral = await referralById(sandbox, referralId);
    const profile = referral['customerProfile'] as Row;
    await sandbox.pc('PATCH', `/__emulator/referrals/${referralId}`, {
      customerProfile: {
        ...profile,
        team: [...(profile['team'] as Row[]), contact('Lena', 'Kowalski', 'lena.kowalski@woodgrove.example')],
      },
    });
    await waitFor('the third contact role', async () => (await counts()).roles === 3);
    expect((await counts()).contacts).toBe(3);

    // New notes in Partner Center replace the note's text (one note, not a second one).
    await sandbox.pc('PATCH', `/__emulator/referrals/${referralId}`, {
      details: { notes: 'Scope grew: add the data platform' },
    });
    await waitFor(
      'the updated note',
      async () =>
        (await gateway.readNote(opportunityId, 'Partner Center notes')) ===
        'Scope grew: add the data platform',
    );
    const noteLinks = await sandbox.seller.query(
      `SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '${opportunityId}'`,
    );
    expect(noteLinks.totalSize).toBe(2);

    // A changed address in Partner Center reaches the account (the same account, not a new one).
    await waitForQuiet(sandbox, { quietMs: 1500 });
    const moved = (await referralById(sandbox, referralId))['customerProfile'] as Row;
    await sandbox.pc('PATCH', `/__emulator/referrals/${referralId}`, {
      customerProfile: { ...moved, address: { ...(moved['address'] as Row), city: 'Evanston' } },
    });
    await waitFor('the account in its new city', async () => {
      const row = (await sandbox.seller.sobject('Account').retrieve(accountId)) as Row;
      return row['BillingCity'] === 'Evanston';
    });
    expect((await counts()).accounts).toBe(1);

    // A contact removed in Salesforce and added again in Partner Center comes back with Partner Center's details
    // (its Contact is reused, not duplicated).
    await waitForQuiet(sandbox, { quietMs: 1500 });
    const omar = await sandbox.seller.query<Row>(
      `SELECT Id, ContactId FROM OpportunityContactRole WHERE OpportunityId = '${opportunityId}' AND Contact.Email = 'omar.haddad@woodgrove.example'`,
    );
    const omarRole = omar.records[0]!;
    await sandbox.seller.sobject('OpportunityContactRole').destroy(String(omarRole['Id']));
    // Removing a contact role does not touch the opportunity, which the poller watches: sync the deal directly.
    await syncDeal(sandbox.connector.deps, { referralId, trigger: 'retry' });
    const withoutOmar = await waitFor('the referral without the removed contact', async () => {
      const profile = (await referralById(sandbox, referralId))['customerProfile'] as Row;
      const team = profile['team'] as Row[];
      return team.some((item) => item['email'] === 'omar.haddad@woodgrove.example') ? null : profile;
    });
    await waitForQuiet(sandbox, { quietMs: 1500 });
    await sandbox.pc('PATCH', `/__emulator/referrals/${referralId}`, {
      customerProfile: {
        ...withoutOmar,
        team: [
          ...(withoutOmar['team'] as Row[]),
          { ...contact('Omar', 'Haddad', 'omar.haddad@woodgrove.example'), title: 'CFO' },
        ],
      },
    });
    await waitFor('the contact back with its new title', async () => {
      const row = (await sandbox.seller.sobject('Contact').retrieve(String(omarRole['ContactId']))) as Row;
      return row['Title'] === 'CFO';
    });
    expect((await counts()).contacts).toBe(3);
  });

  it('turns an unaccepted Microsoft lead into a Salesforce Lead; converting it links the opportunity and accepts the referral', async () => {
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({
        name: 'Lead from a Microsoft event',
        type: 'Independent',
        qualification: 'MarketingQualified',
        customerProfile: customerProfile({ name: 'Lamna Healthcare', ids: [] }),
      }),
    );
    const referralId = String(created['id']);
    const lead = await waitFor('the Salesforce lead', () =>
      recordForReferral(sandbox, referralId, 'Id, Company, LastName, Email, LeadSource, Country', 'Lead'),
    );
    expect(lead).toMatchObject({
      Company: 'Lamna Healthcare',
      LastName: 'Garcia',
      Email: 'ines.garcia@woodgrove.example',
      Country: 'US',
    });
    expect(await opportunityFor(referralId)).toBeUndefined();

    await sandbox.sf('POST', `/__emulator/leads/${String(lead['Id'])}/convert`, {});
    const opportunity = await waitFor('the linked opportunity', () => opportunityFor(referralId));
    await waitFor('the accepted referral', async () => {
      const referral = await referralById(sandbox, referralId);
      return referral['status'] === 'Active' && referral['substatus'] === 'Accepted';
    });
    const link = await waitFor('the link to move to the opportunity', async () => {
      const current = await sandbox.connector.store.links.findByReferralId('sandbox', referralId);
      return current?.salesforceObject === 'opportunity' ? current : undefined;
    });
    expect(link.opportunityId).toBe(opportunity['Id']);
  });
  it('declines the Microsoft lead when the seller closes the Salesforce lead without converting it', async () => {
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({
        name: 'Lead we will not pursue',
        type: 'Independent',
        qualification: 'SalesQualified',
        customerProfile: customerProfile({ name: 'Litware', ids: [] }),
      }),
    );
    const referralId = String(created['id']);
    const lead = await waitFor('the Salesforce lead', () =>
      recordForReferral(sandbox, referralId, 'Id', 'Lead'),
    );
    await sandbox.seller.sobject('Lead').update({ Id: String(lead['Id']), Status: 'Closed - Not Converted' });
    await waitFor('the declined Microsoft lead', async () => {
      const referral = await referralById(sandbox, referralId);
      return referral['status'] === 'Closed' && referral['substatus'] === 'Declined';
    });
    expect(String((await referralById(sandbox, referralId))['statusReason'])).toContain(
      'Closed - Not Converted',
    );
  });
});

describe('a single-currency org without Team Selling', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox({
      orgSettings: { multiCurrency: false, defaultCurrency: 'USD', teamSelling: false, notesEnabled: true },
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('brings a referral in another currency in without its amount, marked ✖ with the fix, never a wrong amount', async () => {
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({
        name: 'Euro deal',
        details: {
          dealValue: 50000,
          currency: 'EUR',
          closingDateTime: '2027-01-31T00:00:00Z',
          requirements: { solutions },
        },
      }),
    );
    const referralId = String(created['id']);
    const entry = await waitFor('the audit error', async () => {
      const errors = await sandbox.connector.store.audit.list({ connectionId: 'sandbox', outcome: 'error' });
      return errors.find((item) => item.referralId === referralId);
    });
    expect(entry.message).toMatch(/EUR.*single-currency org in USD/);
    // The seller sees Microsoft's deal: the opportunity exists, without an amount, and says why.
    const [opportunity] = (
      await sandbox.seller.query<Record<string, unknown>>(
        `SELECT Id, Amount, Partner_Center_Sync_Status__c, Partner_Center_Audit__c FROM Opportunity WHERE Partner_Center_Referral_Id__c = '${referralId}'`,
      )
    ).records;
    expect(opportunity?.['Amount'] ?? null).toBeNull();
    expect(opportunity?.['Partner_Center_Sync_Status__c']).toBe('Error');
    expect(String(opportunity?.['Partner_Center_Audit__c'])).toMatch(/✖.*EUR/);
    const link = await sandbox.connector.store.links.findByReferralId('sandbox', referralId);
    expect(link).toMatchObject({ state: 'error', lastError: { code: 'currency_mismatch' } });
    // Syncing it again (once the worker is done with it) writes no amount and adds no second audit entry.
    await waitForQuiet(sandbox, { quietMs: 1500 });
    const again = await syncDeal(sandbox.connector.deps, { referralId, trigger: 'cli' });
    expect(again.toSalesforce.map((change) => change.field)).not.toContain('dealValue');
    const errors = await sandbox.connector.store.audit.list({ connectionId: 'sandbox', outcome: 'error' });
    expect(errors.filter((item) => item.referralId === referralId)).toHaveLength(1);
    expect(
      (
        await sandbox.seller.query(
          `SELECT Id FROM Opportunity WHERE Partner_Center_Referral_Id__c = '${referralId}' AND Amount != null`,
        )
      ).totalSize,
    ).toBe(0);
    // A referral in the org currency syncs normally.
    const usd = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name: 'Dollar deal' }));
    await waitFor(
      'the dollar opportunity',
      async () =>
        (
          await sandbox.seller.query(
            `SELECT Id FROM Opportunity WHERE Partner_Center_Referral_Id__c = '${String(usd['id'])}'`,
          )
        ).totalSize === 1,
    );
  });

  it('sends the opportunity owner as the partner team, and normalises a country name', async () => {
    const account = (await sandbox.seller
      .sobject('Account')
      .create({ Name: 'Alpine Ski House', BillingCountry: 'Germany', BillingPostalCode: '80331' })) as {
      id: string;
    };
    const person = (await sandbox.seller
      .sobject('Contact')
      .create({ AccountId: account.id, LastName: 'Weber', Email: 'weber@alpine.example' })) as { id: string };
    const opportunity = (await sandbox.seller.sobject('Opportunity').create({
      Name: 'Alpine – analytics',
      StageName: 'Qualification',
      CloseDate: '2027-02-01',
      Amount: 30000,
      AccountId: account.id,
      How_can_Microsoft_help__c: 'General or other',
    })) as { id: string };
    await sandbox.seller
      .sobject('OpportunityContactRole')
      .create({ OpportunityId: opportunity.id, ContactId: person.id, Role: 'Business User' });
    await sandbox.seller.sobject('Microsoft_Solution__c').create({
      Opportunity__c: opportunity.id,
      Solution_Id__c: 'SOL-11111-AAA',
      Solution_Name__c: 'Fraud Analytics',
    });
    await sandbox.seller
      .sobject('Opportunity')
      .update({ Id: opportunity.id, Sync_with_Partner_Center__c: true });
    const referralId = await waitFor('the referral', async () => {
      const row = (await sandbox.seller.sobject('Opportunity').retrieve(opportunity.id)) as Row;
      return typeof row['Partner_Center_Referral_Id__c'] === 'string'
        ? row['Partner_Center_Referral_Id__c']
        : undefined;
    });
    const referral = await referralById(sandbox, referralId);
    const owner = (await sandbox.seller
      .sobject('User')
      .retrieve(sandbox.emulators.salesforce.users.admin.id)) as Row;
    expect((referral['team'] as Row[]).map((member) => member['email'])).toEqual([
      String(owner['Email']).toLowerCase(),
    ]);
    expect(((referral['customerProfile'] as Row)['address'] as Row)['country']).toBe('DE');
    expect((referral['details'] as Row)['currency']).toBe('USD');
  });
});
