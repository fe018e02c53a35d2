import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  referralById,
  startTestSandbox,
  type TestSandbox,
  waitFor,
  waitForQuiet,
} from '../support/sandboxHarness.ts';
import { shareOpportunityWithMicrosoft } from '../support/sellerActions.ts';

type Row = Record<string, unknown>;

const readOpportunity = async (sandbox: TestSandbox, id: string): Promise<Row> =>
  (
    await sandbox.seller.query<Row>(
      `SELECT Id, Name, Partner_Center_Referral_Id__c, Partner_Center_Referral_Link__c, Partner_Center_Status__c, Partner_Center_Sync_Status__c, Partner_Center_Audit__c FROM Opportunity WHERE Id = '${id}'`,
    )
  ).records[0] ?? {};

// Also with the Partner Center emulator ignoring $filter clauses on fields Microsoft does not document as filterable
// (externalReferenceId among them), as the real service may.
describe.each(['evaluate', 'ignore'])(
  'an opportunity shared from Salesforce becomes a co-sell referral (undocumented filters: %s)',
  (undocumentedFilters) => {
    let sandbox: TestSandbox;
    beforeAll(async () => {
      sandbox = await startTestSandbox({ configOverrides: {} });
      await sandbox.pc('POST', '/__emulator/settings', { undocumentedFilters });
    });
    afterAll(async () => {
      await sandbox?.stop();
    });

    it('creates the referral with help requested, writes id/link/status back, then pushes amount and close-date edits', async () => {
      const opportunityId = await shareOpportunityWithMicrosoft(sandbox.seller, 'Adventure Works AI pilot', {
        help: 'Proof of concept or demo',
      });
      const opportunity = await waitFor('the referral id on the opportunity', async () => {
        const row = await readOpportunity(sandbox, opportunityId);
        return row['Partner_Center_Referral_Id__c'] && row['Partner_Center_Sync_Status__c'] === 'Synced'
          ? row
          : undefined;
      });
      const referralId = String(opportunity['Partner_Center_Referral_Id__c']);
      expect(opportunity['Partner_Center_Status__c']).toBe('Active/Accepted');
      expect(String(opportunity['Partner_Center_Referral_Link__c'])).toContain(referralId);

      const referral = await referralById(sandbox, referralId);
      expect(referral).toMatchObject({
        name: 'Adventure Works AI pilot',
        type: 'Shared',
        externalReferenceId: opportunityId,
        status: 'Active',
        substatus: 'Accepted',
        inviteContext: expect.objectContaining({ assistanceRequestCode: 'ProofOfConceptOrDemo' }),
        consent: expect.objectContaining({ consentToShareReferralWithMicrosoftSellers: true }),
      });
      const details = referral['details'] as Row;
      expect(details).toMatchObject({ dealValue: 48000, currency: 'EUR' });
      expect(String(details['closingDateTime'])).toMatch(/^2027-04-30/);
      expect((details['requirements'] as Row)['solutions']).toEqual([
        expect.objectContaining({ id: 'SOL-34104-EBB' }),
      ]);
      const profile = referral['customerProfile'] as Row;
      expect(profile).toMatchObject({
        name: 'Adventure Works AI pilot Ltd',
        address: expect.objectContaining({ country: 'DE' }),
      });
      expect(profile['team']).toEqual([
        expect.objectContaining({ email: 'kim@adventureworksaipilot.example' }),
      ]);

      // Later edits in Salesforce reach Partner Center.
      await waitForQuiet(sandbox);
      await sandbox.seller
        .sobject('Opportunity')
        .update({ Id: opportunityId, Amount: 80000, CloseDate: '2027-02-28' });
      await waitFor('the new amount and close date in Partner Center', async () => {
        const updated = (await referralById(sandbox, referralId))['details'] as Row;
        return updated['dealValue'] === 80000 && String(updated['closingDateTime']).startsWith('2027-02-28');
      });
      // Microsoft's side of the engagement (help was requested) is never brought in as a deal of its own,
      // not by a backfill of every referral nor by the periodic reconcile.
      const engagement = String(referral['engagementId']);
      const everything = (await sandbox.pc('GET', '/__emulator/referrals')) as unknown as Row[];
      const microsoftSide = everything.filter(
        (item) => item['engagementId'] === engagement && item['id'] !== referralId,
      );
      expect(microsoftSide).toHaveLength(1);
      const { syncDeal } = await import('../../src/sync/syncDeal.ts');
      const { reconcile } = await import('../../src/sync/syncWorker.ts');
      const skipped = await syncDeal(sandbox.connector.deps, {
        referralId: String(microsoftSide[0]?.['id']),
        trigger: 'backfill',
      });
      expect(skipped.action).toBe('skip');
      await sandbox.connector.store.cursors.set(
        'sandbox',
        'partnerCenter.referral',
        '2000-01-01T00:00:00.000Z',
      );
      await reconcile({ deps: sandbox.connector.deps, queue: sandbox.connector.queue });
      await waitForQuiet(sandbox);
      const opportunities = await sandbox.seller.query(`SELECT Id FROM Opportunity`);
      expect(opportunities.totalSize).toBe(1);
      expect((await sandbox.connector.store.connections.get('sandbox'))?.state).toBe('active');

      // Exactly one referral exists for the opportunity.
      const all = (await sandbox.pc('GET', '/__emulator/referrals')) as unknown as Row[];
      expect(all.filter((item) => item['externalReferenceId'] === opportunityId)).toHaveLength(1);
      // Nothing relied on a filter Microsoft does not document.
      expect((await sandbox.pc('GET', '/__emulator/settings'))['undocumentedFilterQueries']).toEqual([]);
    });
  },
);
