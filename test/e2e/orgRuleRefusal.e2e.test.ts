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

  it('puts the deal in error with the rule’s message, the field and the fix', async () => {
    await sandbox.sf('POST', '/__emulator/org-realism', {
      validationRules: [
        {
          object: 'Opportunity',
          name: 'Large_Deals_Need_Approval',
          errorMessage: 'Deals over 100,000 need finance approval first.',
          errorField: 'Amount',
          condition: { field: 'Amount', op: 'greaterThan', value: 100000 },
          // As a validation rule without ISNEW() does: the new opportunity's follow-up sync, an update, sends the
          // amount again and is refused too (a rule on create only would let that update through).
          on: ['create', 'update'],
        },
      ],
    });
    const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral());
    const referralId = String(created['id']);
    const connectionId = 'sandbox';
    const reason = await waitFor('the refusal on the deal', async () => {
      const link = await sandbox.connector.store.links.findByReferralId(connectionId, referralId);
      if (link?.state === 'error' && link.lastError) return link.lastError.message;
      const [dead] = (await sandbox.connector.store.deadLetters.list({ limit: 10 })).filter((row) =>
        row.errorMessage.includes('finance approval'),
      );
      return dead?.errorMessage;
    });
    expect(reason).toContain('Deals over 100,000 need finance approval first');
    expect(reason).toContain('FIELD_CUSTOM_VALIDATION_EXCEPTION [Amount]');
    expect(reason).toContain('Amount');
    expect(reason).toContain('exempt the integration user');
    // Whatever the sync kept, Salesforce never stored a value the rule forbids.
    const opportunities = await sandbox.seller.query<{ Amount: number | null }>(
      `SELECT Amount FROM Opportunity WHERE Partner_Center_Referral_Id__c = '${referralId}'`,
    );
    for (const row of opportunities.records) expect(row.Amount ?? 0).toBeLessThanOrEqual(100000);
  });
});
