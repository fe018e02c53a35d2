import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inboundReferral,
  recordForReferral,
  referralById,
  startTestSandbox,
  type TestSandbox,
  waitFor,
  waitForQuiet,
} from '../support/sandboxHarness.ts';
import { shareOpportunityWithMicrosoft } from '../support/sellerActions.ts';

type Row = Record<string, unknown>;

const opportunityRow = async (sandbox: TestSandbox, id: string): Promise<Row> =>
  (
    await sandbox.seller.query<Row>(
      `SELECT Id, StageName, Partner_Center_Referral_Id__c, Partner_Center_Status__c, Partner_Center_Sync_Status__c, Partner_Center_Audit__c, Partner_Center_Accept_By__c FROM Opportunity WHERE Id = '${id}'`,
    )
  ).records[0] ?? {};

describe('referral shape against the emulators (Services co-sell tenant)', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
    await sandbox.pc('PUT', '/__emulator/co-sell-rules', { partnerProgram: 'Services' });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('sends the Services co-sell picklists as Partner Center values, which the Services tenant requires', async () => {
    const opportunityId = await shareOpportunityWithMicrosoft(sandbox.seller, 'Fourth Coffee migration', {
      fields: {
        Partner_Role__c: 'Implementation',
        Solution_Area__c: 'Cloud and AI Platforms',
        Solution_Play__c: 'Migrate and modernize your estate',
        Customer_Marketplace_Intent__c: 'Have not decided',
      },
    });
    const row = await waitFor('the referral id on the opportunity', async () => {
      const current = await opportunityRow(sandbox, opportunityId);
      return current['Partner_Center_Sync_Status__c'] === 'Synced' ? current : undefined;
    });
    const referral = await referralById(sandbox, String(row['Partner_Center_Referral_Id__c']));
    expect(referral).toMatchObject({
      partnerRole: 'Implementation',
      solutionArea: 'CloudAndAIPlatforms',
      solutionPlay: 'MigrateAndModernizeYourEstate',
    });
    const requirements = (referral['details'] as Row)['requirements'] as Row;
    expect((requirements['additionalRequirements'] as Row)['attributes']).toEqual([
      { id: 'HaveNotDecided', type: 'CustomerMarketplaceIntent' },
    ]);
  });

  it('shows a play outside the chosen area on the opportunity, with the allowed plays, and sends nothing', async () => {
    const before = ((await sandbox.pc('GET', '/__emulator/referrals')) as unknown as Row[]).length;
    const opportunityId = await shareOpportunityWithMicrosoft(sandbox.seller, 'Fourth Coffee security', {
      fields: {
        Partner_Role__c: 'Advisory',
        Solution_Area__c: 'Security',
        Solution_Play__c: 'Unify your data platform',
      },
    });
    const row = await waitFor('the validation error on the opportunity', async () => {
      const current = await opportunityRow(sandbox, opportunityId);
      return current['Partner_Center_Sync_Status__c'] === 'Error' ? current : undefined;
    });
    expect(String(row['Partner_Center_Audit__c'])).toContain('is not a solution play of Security');
    expect(String(row['Partner_Center_Audit__c'])).toContain('Data security');
    expect(((await sandbox.pc('GET', '/__emulator/referrals')) as unknown as Row[]).length).toBe(before);
  });

  it('refuses an update that moves a Services deal to an area its play is not in, and sends nothing', async () => {
    const opportunityId = await shareOpportunityWithMicrosoft(sandbox.seller, 'Fourth Coffee AVD', {
      fields: {
        Partner_Role__c: 'Implementation',
        Solution_Area__c: 'Cloud and AI Platforms',
        Solution_Play__c: 'Migrate and modernize your estate',
      },
    });
    const linked = await waitFor('the Services referral', async () => {
      const current = await opportunityRow(sandbox, opportunityId);
      return current['Partner_Center_Sync_Status__c'] === 'Synced' ? current : undefined;
    });
    const referralId = String(linked['Partner_Center_Referral_Id__c']);
    await waitForQuiet(sandbox);
    const before = await referralById(sandbox, referralId);
    // The seller changes the area and the amount, but leaves the play of the old area.
    await sandbox.seller
      .sobject('Opportunity')
      .update({ Id: opportunityId, Solution_Area__c: 'Security', Amount: 51_000 });
    const refused = await waitFor('the refusal on the opportunity', async () => {
      const current = await opportunityRow(sandbox, opportunityId);
      return current['Partner_Center_Sync_Status__c'] === 'Error' ? current : undefined;
    });
    const audit = String(refused['Partner_Center_Audit__c']);
    expect(audit).toContain('Not sent to Partner Center');
    expect(audit).toContain('is not a solution play of Security');
    expect(audit).toContain('Data security');
    await waitForQuiet(sandbox);
    const after = await referralById(sandbox, referralId);
    expect(after['eTag']).toBe(before['eTag']);
    expect(after).toMatchObject({
      solutionArea: 'CloudAndAIPlatforms',
      solutionPlay: 'MigrateAndModernizeYourEstate',
    });

    // Choosing a play of the new area sends the whole change.
    await sandbox.seller
      .sobject('Opportunity')
      .update({ Id: opportunityId, Solution_Play__c: 'Data security' });
    await waitFor('the fixed change in Partner Center', async () => {
      const current = await referralById(sandbox, referralId);
      return current['solutionPlay'] === 'DataSecurity' ? current : undefined;
    });
    expect(await referralById(sandbox, referralId)).toMatchObject({
      solutionArea: 'Security',
      details: expect.objectContaining({ dealValue: 51_000 }),
    });
    const fixed = await waitFor('Synced again', async () => {
      const current = await opportunityRow(sandbox, opportunityId);
      return current['Partner_Center_Sync_Status__c'] === 'Synced' ? current : undefined;
    });
    expect(fixed['Partner_Center_Referral_Id__c']).toBe(referralId);
  });

  it('refuses to make a shared referral private again and says why on the opportunity', async () => {
    const opportunityId = await shareOpportunityWithMicrosoft(sandbox.seller, 'Fourth Coffee partner-led', {
      help: null,
      fields: { Share_with_Microsoft_Sellers__c: true },
    });
    const linked = await waitFor('the partner-led referral', async () => {
      const current = await opportunityRow(sandbox, opportunityId);
      return current['Partner_Center_Sync_Status__c'] === 'Synced' ? current : undefined;
    });
    const referralId = String(linked['Partner_Center_Referral_Id__c']);
    expect(await referralById(sandbox, referralId)).toMatchObject({
      type: 'Shared',
      consent: expect.objectContaining({ consentToShareReferralWithMicrosoftSellers: true }),
    });
    await waitForQuiet(sandbox);
    await sandbox.seller
      .sobject('Opportunity')
      .update({ Id: opportunityId, Share_with_Microsoft_Sellers__c: false });
    const refused = await waitFor('the refusal on the opportunity', async () => {
      const current = await opportunityRow(sandbox, opportunityId);
      return current['Partner_Center_Sync_Status__c'] === 'Error' ? current : undefined;
    });
    expect(String(refused['Partner_Center_Audit__c'])).toContain('does not allow making it private again');
    expect(String(refused['Partner_Center_Audit__c'])).toContain('Tick Share with Microsoft Sellers again');
    expect(await referralById(sandbox, referralId)).toMatchObject({
      type: 'Shared',
      consent: expect.objectContaining({ consentToShareReferralWithMicrosoftSellers: true }),
    });
  });

  it('keeps and shows a Joint Planning substatus Microsoft sets, and the accept-by date while new', async () => {
    const created = await sandbox.pc('POST', '/__emulator/referrals', {
      ...inboundReferral({ name: 'Tailwind Traders – Joint Planning' }),
      referralProgram: 'JointPlanning',
    });
    const referralId = String(created['id']);
    const fresh = await waitFor('the opportunity for the Joint Planning referral', async () => {
      const found = await recordForReferral(
        sandbox,
        referralId,
        'Id, Partner_Center_Accept_By__c, StageName',
      );
      return found?.['Partner_Center_Accept_By__c'] ? found : undefined;
    });
    expect(String(fresh['Partner_Center_Accept_By__c'])).toBe(
      String(created['expirationDateTime']).slice(0, 10),
    );
    expect(fresh['StageName']).toBe('Prospecting');
    await waitForQuiet(sandbox);
    await sandbox.pc('PATCH', `/__emulator/referrals/${referralId}`, {
      status: 'Active',
      substatus: 'Accepted',
    });
    await waitFor('the accepted referral on the opportunity', async () => {
      const row = await opportunityRow(sandbox, String(fresh['Id']));
      return row['Partner_Center_Status__c'] === 'Active/Accepted' ? row : undefined;
    });
    await waitForQuiet(sandbox);
    await sandbox.pc('PATCH', `/__emulator/referrals/${referralId}`, { substatus: 'Qualify' });
    const qualified = await waitFor('Active/Qualify on the opportunity', async () => {
      const row = await opportunityRow(sandbox, String(fresh['Id']));
      return row['Partner_Center_Status__c'] === 'Active/Qualify' ? row : undefined;
    });
    expect(qualified).toMatchObject({
      StageName: 'Qualification',
      Partner_Center_Sync_Status__c: 'Synced',
      Partner_Center_Accept_By__c: null,
    });
    await waitForQuiet(sandbox);
    expect(await referralById(sandbox, referralId)).toMatchObject({ status: 'Active', substatus: 'Qualify' });
  });
});
