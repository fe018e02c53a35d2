import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundReferral, startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';

describe('a Salesforce validation rule refuses the opportunity of an inbound referral', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('fails the deal once, as permanent, with the rule’s message, the field and the fix', async () => {
    await sandbox.sf('POST', '/__emulator/org-realism', {
      validationRules: [
        {
          object: 'Opportunity',
          name: 'Large_Deals_Need_Approval',
          errorMessage: 'Deals over 100,000 need finance approval first.',
          errorField: 'Amount',
          condition: { field: 'Amount', op: 'greaterThan', value: 100000 },
          on: ['create'],
        },
      ],
    });
    const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral());
    const referralId = String(created['id']);
    const [deadLetter] = await waitFor('the dead letter of the refused deal', async () => {
      const rows = await sandbox.connector.store.deadLetters.list({ limit: 10 });
      const matching = rows.filter(
        (row) => row.errorMessage.includes('Large_Deals') || row.errorMessage.includes('finance approval'),
      );
      return matching.length > 0 ? matching : undefined;
    });
    expect(deadLetter?.errorKind).toBe('permanent');
    expect(deadLetter?.attempts).toBe(1);
    expect(deadLetter?.errorMessage).toContain(
      'A validation rule in Salesforce refused the record (Amount): "Deals over 100,000 need finance approval first."',
    );
    expect(deadLetter?.errorMessage).toContain('exempt the integration user');
    const opportunities = await sandbox.seller.query(
      `SELECT Id FROM Opportunity WHERE Partner_Center_Referral_Id__c = '${referralId}'`,
    );
    expect(opportunities.totalSize).toBe(0);
  });
});
