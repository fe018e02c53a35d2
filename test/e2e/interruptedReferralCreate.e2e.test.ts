import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  referralById,
  startTestSandbox,
  syncLinkNow,
  type TestSandbox,
  waitFor,
} from '../support/sandboxHarness.ts';
import { shareOpportunityWithMicrosoft } from '../support/sellerActions.ts';

type Row = Record<string, unknown>;
const CREATE = { method: 'POST', path: '/v1.0/engagements/referrals' };

/**
 * Partner Center does not document `externalReferenceId` as a filter field. With the emulator treating such filters
 * as the real service may (ignored, or matching nothing), a referral create whose answer never reaches the connector
 * still ends with exactly one referral, linked to its opportunity: the intent stored before the call is recovered
 * with documented queries only.
 */
describe('a referral create whose answer is lost, with undocumented filters not honoured', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  // Partner Center's webhook for the new referral would also lead the connector to it: lose every event, so only
  // the recovery of the create intent can.
  beforeEach(async () => {
    await sandbox.pc('POST', '/__emulator/delivery-faults', { dropRatio: 1 });
  });
  afterEach(async () => {
    await sandbox.pc('DELETE', '/__emulator/delivery-faults');
    await sandbox.pc('DELETE', '/__emulator/faults');
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  const referralsFor = async (opportunityId: string): Promise<Row[]> =>
    ((await sandbox.pc('GET', '/__emulator/referrals')) as unknown as Row[]).filter(
      (referral) => referral['externalReferenceId'] === opportunityId,
    );
  const linkOf = (opportunityId: string) =>
    sandbox.connector.store.links.findByOpportunityId(sandbox.config.connectionId, opportunityId);
  const syncedLink = (opportunityId: string) =>
    waitFor(`the synced link of ${opportunityId}`, async () => {
      const link = await linkOf(opportunityId);
      return link?.state === 'synced' && link.referralId ? link : null;
    });

  it.each(['ignore', 'empty'])(
    'undocumented filters %s: the job retries, finds the referral it made, links it and creates no other',
    async (undocumentedFilters) => {
      await sandbox.pc('POST', '/__emulator/settings', { undocumentedFilters });
      // Partner Center saves the referral; the connection drops before the answer arrives.
      await sandbox.pc('POST', '/__emulator/faults', {
        match: CREATE,
        phase: 'response',
        drop: true,
        count: 1,
      });
      const opportunityId = await shareOpportunityWithMicrosoft(
        sandbox.seller,
        `Lost answer ${undocumentedFilters}`,
        { help: null },
      );
      const link = await syncedLink(opportunityId);
      const referrals = await referralsFor(opportunityId);
      expect(referrals).toHaveLength(1);
      expect(link.referralId).toBe(referrals[0]?.['id']);
      // The fault struck (it is used up), so the first answer really was lost.
      expect((await sandbox.pc('GET', '/__emulator/faults'))['rules']).toEqual([]);
      const opportunity = await sandbox.seller.query<Row>(
        `SELECT Partner_Center_Referral_Id__c FROM Opportunity WHERE Id = '${opportunityId}'`,
      );
      expect(opportunity.records[0]?.['Partner_Center_Referral_Id__c']).toBe(link.referralId);
      // The create is audited once, by the sync that found it.
      const audit = await sandbox.connector.store.audit.list({
        connectionId: sandbox.config.connectionId,
        linkId: link.id,
      });
      expect(audit.filter((entry) => /^Created referral /.test(entry.message))).toEqual([
        expect.objectContaining({
          outcome: 'ok',
          message: expect.stringContaining(
            `Created referral ${link.referralId} from opportunity ${opportunityId} (its create was interrupted`,
          ),
        }),
      ]);
    },
  );

  it('a create given up on (dead-lettered after Partner Center saved it) is recovered by the next sync', async () => {
    await sandbox.pc('POST', '/__emulator/settings', { undocumentedFilters: 'ignore' });
    // The referral is saved, then the answer is a refusal: the job fails permanently and is dead-lettered.
    await sandbox.pc('POST', '/__emulator/faults', {
      match: CREATE,
      phase: 'response',
      status: 400,
      count: 1,
    });
    const opportunityId = await shareOpportunityWithMicrosoft(sandbox.seller, 'Given up create', {
      help: null,
    });
    const deadLettered = await waitFor('the dead-lettered create intent', async () => {
      const link = await linkOf(opportunityId);
      return link?.state === 'error' && link.lastError?.code === 'dead_letter' ? link : null;
    });
    expect(deadLettered.referralId).toBeNull();
    expect(await referralsFor(opportunityId)).toHaveLength(1);

    const result = await syncLinkNow(sandbox, deadLettered.id);
    expect(result.action).not.toBe('create_referral');
    const link = await syncedLink(opportunityId);
    const referrals = await referralsFor(opportunityId);
    expect(referrals).toHaveLength(1);
    expect(link.referralId).toBe(referrals[0]?.['id']);
    expect(await referralById(sandbox, String(link.referralId))).toMatchObject({ name: 'Given up create' });
  });

  it('never filters on an undocumented field', async () => {
    const settings = await sandbox.pc('GET', '/__emulator/settings');
    expect(settings['undocumentedFilterQueries']).toEqual([]);
  });
});
