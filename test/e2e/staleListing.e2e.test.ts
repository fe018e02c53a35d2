/**
 * A reconcile (or backfill) job carries the referral its listing returned. When another job synced the deal after
 * that listing, the listed referral is older than the deal's base: planning from it would take Partner Center's
 * older values for changes and send them back to both sides. The job reads the referral again instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueDealSyncs } from '../../src/sync/dealJobs.ts';
import {
  inboundReferral,
  referralById,
  startTestSandbox,
  type TestSandbox,
  waitFor,
  waitForQuiet,
} from '../support/sandboxHarness.ts';

describe('a job carrying a listing older than its deal', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('reads the referral again instead of sending the older values back', async () => {
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Listed – first name' }),
    );
    const referralId = String(created['id']);
    const link = await waitFor('the synced link', async () => {
      const found = await sandbox.connector.store.links.findByReferralId('sandbox', referralId);
      return found?.state === 'synced' && found.opportunityId ? found : null;
    });
    await waitForQuiet(sandbox);
    // What a reconcile pass listed a moment ago…
    const listed = await sandbox.connector.deps.partnerCenter.getReferral(referralId);
    expect(listed?.name).toBe('Listed – first name');
    // …then Microsoft renames the deal, and its webhook's sync brings the new name to Salesforce.
    await sandbox.pc('PATCH', `/__emulator/referrals/${referralId}`, { name: 'Listed – renamed' });
    await waitFor('the new name in Salesforce', async () => {
      const rows = await sandbox.seller.query<{ Name: string }>(
        `SELECT Name FROM Opportunity WHERE Id = '${String(link.opportunityId)}'`,
      );
      return rows.records[0]?.Name === 'Listed – renamed';
    });
    await waitForQuiet(sandbox);

    // The reconcile job runs now, with its older listing.
    const before = sandbox.syncs.length;
    await enqueueDealSyncs(sandbox.connector.deps, sandbox.connector.queue, [
      { referralId, trigger: 'reconcile', ...(listed ? { referral: listed } : {}) },
    ]);
    const result = await waitFor('the reconcile sync', () =>
      sandbox.syncs
        .slice(before)
        .find((sync) => sync.referralId === referralId && sync.trigger === 'reconcile'),
    );
    expect(result).toMatchObject({ action: 'noop', toSalesforce: [], toPartnerCenter: [] });
    const rows = await sandbox.seller.query<{ Name: string }>(
      `SELECT Name FROM Opportunity WHERE Id = '${String(link.opportunityId)}'`,
    );
    expect(rows.records[0]?.Name).toBe('Listed – renamed');
    expect((await referralById(sandbox, referralId))['name']).toBe('Listed – renamed');
  });
});
