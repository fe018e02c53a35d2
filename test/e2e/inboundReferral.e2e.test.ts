import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inboundReferral,
  recordForReferral,
  referralById,
  startTestSandbox,
  type TestSandbox,
  waitFor,
} from '../support/sandboxHarness.ts';

type Row = Record<string, unknown>;

describe('a referral created in Partner Center becomes an opportunity in Salesforce', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('fills every card field, the account, the contact role and the solution, and links both ways', async () => {
    const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral());
    const referralId = String(created['id']);
    const opportunity = await waitFor('the opportunity', () =>
      recordForReferral(
        sandbox,
        referralId,
        'Id, Name, Amount, CurrencyIsoCode, CloseDate, StageName, Description, Sync_with_Partner_Center__c, Partner_Center_Referral_Id__c, Partner_Center_Referral_Link__c, Partner_Center_Status__c, Partner_Center_Sync_Status__c, Partner_Center_Audit__c, AccountId, Account.Name, Account.BillingCountry, Account.BillingPostalCode',
      ),
    );
    expect(opportunity).toMatchObject({
      Name: 'Contoso – Azure landing zone',
      Amount: 120000,
      CurrencyIsoCode: 'USD',
      CloseDate: '2027-03-31',
      StageName: 'Prospecting',
      Description: 'Customer is moving 200 VMs to Azure.',
      Sync_with_Partner_Center__c: true,
      Partner_Center_Status__c: 'New/Pending',
      Partner_Center_Sync_Status__c: 'Synced',
    });
    expect(String(opportunity['Partner_Center_Referral_Link__c'])).toContain(referralId);
    expect(opportunity['Account']).toMatchObject({
      Name: 'Contoso Pharma',
      BillingCountry: 'US',
      BillingPostalCode: '98101',
    });
    expect(String(opportunity['Partner_Center_Audit__c'])).toContain('Created from Partner Center referral');

    const opportunityId = String(opportunity['Id']);
    // The opportunity is saved first, its child records right after: wait until the sync has finished.
    await waitFor('the synced link', async () => {
      const link = await sandbox.connector.store.links.findByReferralId('sandbox', referralId);
      return link?.state === 'synced' && link.opportunityId === opportunityId;
    });
    const roles = await sandbox.seller.query<Row>(
      `SELECT Contact.Email, Contact.FirstName, Contact.LastName, Role FROM OpportunityContactRole WHERE OpportunityId = '${opportunityId}'`,
    );
    expect(roles.records.map((role) => (role['Contact'] as Row)['Email'])).toEqual([
      'avery.lee@contoso.example',
    ]);
    const solutions = await sandbox.seller.query<Row>(
      `SELECT Solution_Id__c, Solution_Name__c, Publisher__c FROM Microsoft_Solution__c WHERE Opportunity__c = '${opportunityId}'`,
    );
    expect(solutions.records).toEqual([
      expect.objectContaining({
        Solution_Id__c: 'SOL-34104-EBB',
        Solution_Name__c: 'Migration Factory',
        Publisher__c: 'Fabrikam Partner',
      }),
    ]);

    // The referral learns its CRM id (the connector's "CRM ID"), and the link is recorded once.
    await waitFor(
      'externalReferenceId on the referral',
      async () => (await referralById(sandbox, referralId))['externalReferenceId'] === opportunityId,
    );
    const link = await sandbox.connector.store.links.findByReferralId('sandbox', referralId);
    expect(link).toMatchObject({ opportunityId, state: 'synced' });
    const audit = await sandbox.connector.store.audit.list({
      connectionId: 'sandbox',
      linkId: link?.id ?? '',
    });
    expect(audit.map((entry) => entry.outcome)).not.toContain('error');
  });
});
