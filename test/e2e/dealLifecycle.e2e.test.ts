import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../support/memoryIo.ts';
import {
  inboundReferral,
  pollFromWorkerCursor,
  recordForReferral,
  referralById,
  startTestSandbox,
  syncLinkNow,
  type TestSandbox,
  waitFor,
  waitForQuiet,
} from '../support/sandboxHarness.ts';

type Row = Record<string, unknown>;

const OPPORTUNITY_FIELDS =
  'Id, Name, StageName, Amount, CloseDate, Description, Sync_with_Partner_Center__c, Partner_Center_Status__c, Partner_Center_Status_Reason__c, Partner_Center_Sync_Status__c, Partner_Center_Audit__c, Microsoft_CRM_Id__c, SystemModstamp';

describe('the life of a deal, both ways', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  const opportunityFor = (referralId: string) => recordForReferral(sandbox, referralId, OPPORTUNITY_FIELDS);

  /** A Microsoft referral arrives and its opportunity is created (on hold); returns both ids. */
  async function inbound(
    overrides: Record<string, unknown> = {},
  ): Promise<{ referralId: string; opportunityId: string }> {
    const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral(overrides));
    const referralId = String(created['id']);
    const opportunity = await waitFor('the opportunity', async () => {
      const row = await opportunityFor(referralId);
      return row?.['Partner_Center_Sync_Status__c'] === 'Synced' ? row : undefined;
    });
    await waitForQuiet(sandbox, { quietMs: 1500 });
    return { referralId, opportunityId: String(opportunity['Id']) };
  }

  const statusOf = async (referralId: string) => {
    const referral = await referralById(sandbox, referralId);
    return `${String(referral['status'])}/${String(referral['substatus'])}`;
  };

  it('accepts the referral when the seller moves the stage off on-hold', async () => {
    const { referralId, opportunityId } = await inbound({ name: 'Accept me' });
    expect(await statusOf(referralId)).toBe('New/Pending');
    await sandbox.seller.sobject('Opportunity').update({ Id: opportunityId, StageName: 'Needs Analysis' });
    await waitFor(
      'Active/Accepted in Partner Center',
      async () => (await statusOf(referralId)) === 'Active/Accepted',
    );
    await waitFor(
      'the status text on the opportunity',
      async () => (await opportunityFor(referralId))?.['Partner_Center_Status__c'] === 'Active/Accepted',
    );
    // The seller's stage is kept.
    expect((await opportunityFor(referralId))?.['StageName']).toBe('Needs Analysis');
  });

  it('declines with the reason when the seller closes it lost from on-hold with a decline reason', async () => {
    const { referralId, opportunityId } = await inbound({ name: 'Decline me' });
    await sandbox.seller.sobject('Opportunity').update({
      Id: opportunityId,
      StageName: 'Closed Lost',
      Partner_Center_Status_Reason__c: 'Customer already works with another partner',
    });
    await waitFor('Closed/Declined', async () => (await statusOf(referralId)) === 'Closed/Declined');
    expect((await referralById(sandbox, referralId))['statusReason']).toBe(
      'Customer already works with another partner',
    );
  });

  it('closes won in Partner Center when the opportunity is won, and lost in Salesforce when Partner Center closes it lost', async () => {
    const won = await inbound({ name: 'Win me' });
    await sandbox.seller.sobject('Opportunity').update({ Id: won.opportunityId, StageName: 'Qualification' });
    await waitFor('accepted', async () => (await statusOf(won.referralId)) === 'Active/Accepted');
    await waitForQuiet(sandbox, { quietMs: 1500 });
    await sandbox.seller.sobject('Opportunity').update({ Id: won.opportunityId, StageName: 'Closed Won' });
    await waitFor('Closed/Won', async () => (await statusOf(won.referralId)) === 'Closed/Won');

    const lost = await inbound({ name: 'Lose me' });
    await sandbox.pc('PATCH', `/__emulator/referrals/${lost.referralId}`, {
      status: 'Active',
      substatus: 'Accepted',
    });
    await waitFor(
      'the accept stage',
      async () => (await opportunityFor(lost.referralId))?.['StageName'] === 'Qualification',
    );
    await sandbox.pc('PATCH', `/__emulator/referrals/${lost.referralId}`, {
      status: 'Closed',
      substatus: 'Lost',
      statusReason: 'Budget cut',
    });
    await waitFor('Closed Lost in Salesforce', async () => {
      const row = await opportunityFor(lost.referralId);
      return row?.['StageName'] === 'Closed Lost' && row['Partner_Center_Status__c'] === 'Closed/Lost';
    });
  });

  it('applies the Microsoft seller’s acceptance (Microsoft CRM id) to the opportunity', async () => {
    const opportunity = (await sandbox.seller.sobject('Opportunity').create({
      Name: 'Co-sell with Microsoft',
      StageName: 'Qualification',
      CloseDate: '2027-05-01',
      Amount: 42000,
      CurrencyIsoCode: 'USD',
      How_can_Microsoft_help__c: 'Customer technical architecture',
    })) as { id: string };
    const account = (await sandbox.seller
      .sobject('Account')
      .create({ Name: 'Tailspin', BillingCountry: 'US', BillingPostalCode: '10001' })) as { id: string };
    const contact = (await sandbox.seller
      .sobject('Contact')
      .create({ AccountId: account.id, LastName: 'Nguyen', Email: 'nguyen@tailspin.example' })) as {
      id: string;
    };
    await sandbox.seller.sobject('Opportunity').update({ Id: opportunity.id, AccountId: account.id });
    await sandbox.seller
      .sobject('OpportunityContactRole')
      .create({ OpportunityId: opportunity.id, ContactId: contact.id, Role: 'Business User' });
    await sandbox.seller
      .sobject('Microsoft_Solution__c')
      .create({ Opportunity__c: opportunity.id, Solution_Id__c: 'SOL-1', Solution_Name__c: 'One' });
    await sandbox.seller
      .sobject('Opportunity')
      .update({ Id: opportunity.id, Sync_with_Partner_Center__c: true });
    const referralId = await waitFor('the referral', async () => {
      const row = (await sandbox.seller.sobject('Opportunity').retrieve(opportunity.id)) as Row;
      return typeof row['Partner_Center_Referral_Id__c'] === 'string'
        ? row['Partner_Center_Referral_Id__c']
        : undefined;
    });
    await sandbox.pc('POST', `/__emulator/microsoft/referrals/${referralId}/accept`, {
      microsoftMsxId: '7-ABCDEF123',
    });
    await waitFor(
      'the Microsoft CRM id',
      async () => (await opportunityFor(referralId))?.['Microsoft_CRM_Id__c'] === '7-ABCDEF123',
    );
  });

  it('keeps edits made on both sides to different fields, and resolves a conflict by policy with an audit entry', async () => {
    const { referralId, opportunityId } = await inbound({ name: 'Both sides' });
    // Stop the worker from seeing either edit before both are made: edit PC first, then SF, quickly.
    await sandbox.pc('PATCH', `/__emulator/referrals/${referralId}`, {
      details: { notes: 'Notes from Partner Center' },
    });
    await sandbox.seller.sobject('Opportunity').update({ Id: opportunityId, Amount: 130000 });
    await waitFor('both edits on both sides', async () => {
      const referral = await referralById(sandbox, referralId);
      const details = referral['details'] as Row;
      const row = await opportunityFor(referralId);
      return details['dealValue'] === 130000 && row?.['Description'] === 'Notes from Partner Center';
    });

    // A conflict: both sides change the close date to different values while the worker is held back.
    await sandbox.connector.queue.stop({ timeoutMs: 10_000 });
    await sandbox.pc('PATCH', `/__emulator/referrals/${referralId}`, {
      details: { closingDateTime: '2027-06-30T00:00:00Z' },
    });
    // Salesforce timestamps have whole seconds: move its clock on so its edit is unambiguously the newer one.
    await sandbox.sf('POST', '/__emulator/clock', { advanceMs: 2_000 });
    await sandbox.seller.sobject('Opportunity').update({ Id: opportunityId, CloseDate: '2027-07-31' });
    const { syncDeal } = await import('../../src/sync/syncDeal.ts');
    const result = await syncDeal(sandbox.connector.deps, { referralId, trigger: 'cli' });
    expect(result.conflicts.map((conflict) => conflict.field)).toContain('closingDate');
    // `newest` is the default policy for the close date: Salesforce changed last.
    const referral = await referralById(sandbox, referralId);
    expect(String((referral['details'] as Row)['closingDateTime'])).toMatch(/^2027-07-31/);
    const audit = await sandbox.connector.store.audit.list({ connectionId: 'sandbox', outcome: 'conflict' });
    expect(audit[0]?.message).toMatch(/Conflict on closingDate \(kept salesforce\)/);
  });
});

describe('echo suppression and validation', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('one seller edit causes exactly one write to Partner Center and none back to Salesforce', async () => {
    const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name: 'No echo' }));
    const referralId = String(created['id']);
    const opportunity = await waitFor('the opportunity', () => recordForReferral(sandbox, referralId));
    await waitForQuiet(sandbox, { quietMs: 2500 });
    const before = await referralById(sandbox, referralId);
    const sfBefore = (await sandbox.seller.sobject('Opportunity').retrieve(String(opportunity['Id']))) as Row;

    const syncsBefore = sandbox.syncs.length;
    await sandbox.seller.sobject('Opportunity').update({ Id: String(opportunity['Id']), Amount: 99000 });
    await waitFor(
      'the amount in Partner Center',
      async () => ((await referralById(sandbox, referralId))['details'] as Row)['dealValue'] === 99000,
    );
    await waitForQuiet(sandbox, { quietMs: 3000 });

    const after = await referralById(sandbox, referralId);
    const sfAfter = (await sandbox.seller.sobject('Opportunity').retrieve(String(opportunity['Id']))) as Row;
    // One write in Partner Center: one new eTag generation. None back in Salesforce beyond the seller's own edit.
    expect(after['eTag']).not.toBe(before['eTag']);
    const afterEdit = sandbox.syncs.slice(syncsBefore).filter((sync) => sync.referralId === referralId);
    const writesToPartnerCenter = afterEdit.filter((sync) => sync.toPartnerCenter.length > 0);
    expect(writesToPartnerCenter).toHaveLength(1);
    const writesToSalesforce = afterEdit.filter((sync) => sync.toSalesforce.length > 0);
    expect(writesToSalesforce).toHaveLength(0);
    // The last write to the opportunity is still the seller's own (the connector wrote nothing back).
    expect(sfBefore['LastModifiedById']).toBe(sandbox.emulators.salesforce.users.integration.id);
    expect(sfAfter['LastModifiedById']).toBe(sandbox.emulators.salesforce.users.admin.id);
  });

  it('shows a validation failure on the opportunity (✖ / Error / Audit) and does not retry in a loop', async () => {
    const opportunity = (await sandbox.seller.sobject('Opportunity').create({
      Name: 'Missing pieces',
      StageName: 'Qualification',
      CloseDate: '2027-05-01',
      Amount: 1000,
      CurrencyIsoCode: 'USD',
      How_can_Microsoft_help__c: 'Quotes or licensing',
      Sync_with_Partner_Center__c: true,
    })) as { id: string };
    const row = await waitFor('the error on the opportunity', async () => {
      const current = (await sandbox.seller.sobject('Opportunity').retrieve(opportunity.id)) as Row;
      return current['Partner_Center_Sync_Status__c'] === 'Error' ? current : undefined;
    });
    expect(String(row['Partner_Center_Audit__c'])).toMatch(
      /✖ Not sent to Partner Center: .*Microsoft solution/,
    );
    await waitForQuiet(sandbox, { quietMs: 3000 });
    // No retry storm: the connector's own error write is not a change the next poll would hand on ...
    expect(await pollFromWorkerCursor(sandbox)).not.toContain(opportunity.id);
    // ... and syncing the deal again refuses it again without a second audit entry or a dead letter.
    const link = await sandbox.connector.store.links.findByOpportunityId('sandbox', opportunity.id);
    expect(link?.state).toBe('error');
    const again = await syncLinkNow(sandbox, String(link?.id));
    expect(again.message).toMatch(/Microsoft solution/);
    expect(await sandbox.connector.store.deadLetters.list({ connectionId: 'sandbox' })).toEqual([]);
    const errors = await sandbox.connector.store.audit.list({ connectionId: 'sandbox', outcome: 'error' });
    expect(errors.filter((entry) => entry.opportunityId === opportunity.id)).toHaveLength(1);
    const referrals = (await sandbox.pc('GET', '/__emulator/referrals')) as unknown as Row[];
    expect(referrals.some((referral) => referral['externalReferenceId'] === opportunity.id)).toBe(false);
  });

  it('pauses the link when Sync is un-ticked and resumes it when ticked again', async () => {
    const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name: 'Pause me' }));
    const referralId = String(created['id']);
    const opportunityId = await waitFor(
      'the opportunity',
      async () => (await recordForReferral(sandbox, referralId))?.['Id'] as string | undefined,
    );
    await waitForQuiet(sandbox, { quietMs: 1500 });
    await sandbox.seller
      .sobject('Opportunity')
      .update({ Id: opportunityId, Sync_with_Partner_Center__c: false });
    await waitFor(
      'the paused link',
      async () =>
        (await sandbox.connector.store.links.findByReferralId('sandbox', referralId))?.state === 'paused',
    );
    await sandbox.seller.sobject('Opportunity').update({ Id: opportunityId, Amount: 5000 });
    await waitForQuiet(sandbox, { quietMs: 2500 });
    expect(((await referralById(sandbox, referralId))['details'] as Row)['dealValue']).toBe(120000);
    await sandbox.seller
      .sobject('Opportunity')
      .update({ Id: opportunityId, Sync_with_Partner_Center__c: true });
    await waitFor(
      'the amount after resuming',
      async () => ((await referralById(sandbox, referralId))['details'] as Row)['dealValue'] === 5000,
    );
    expect((await sandbox.connector.store.links.findByReferralId('sandbox', referralId))?.state).toBe(
      'synced',
    );
  });

  it('does not recreate a deleted opportunity until the link is removed with cosell unlink', async () => {
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Deleted in Salesforce' }),
    );
    const referralId = String(created['id']);
    const opportunityId = await waitFor(
      'the opportunity',
      async () => (await recordForReferral(sandbox, referralId))?.['Id'] as string | undefined,
    );
    await waitForQuiet(sandbox, { quietMs: 1500 });
    await sandbox.seller.sobject('Opportunity').destroy(opportunityId);
    const { syncDeal } = await import('../../src/sync/syncDeal.ts');
    const skipped = await syncDeal(sandbox.connector.deps, { referralId, trigger: 'cli' });
    expect(skipped.action).toBe('skip');
    expect(skipped.message).toMatch(/cosell unlink \d+/);

    const { main } = await import('../../src/cli/main.ts');
    const { io, out, err } = memoryIo(process.cwd());
    const linkId = String(skipped.linkId);
    expect(await main(['node', 'cosell', 'unlink', linkId, '--config', sandbox.configFile], io)).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('\n')).toContain(`unlinked ${linkId}`);
    const recreated = await syncDeal(sandbox.connector.deps, { referralId, trigger: 'cli' });
    expect(recreated.action).toBe('create_opportunity');
    expect(recreated.opportunityId).not.toBe(opportunityId);
  });
});
