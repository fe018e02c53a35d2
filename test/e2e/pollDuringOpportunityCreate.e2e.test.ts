import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SALESFORCE_API_VERSION } from '../../src/salesforce/salesforceConnection.ts';
import { describeDeals, waitForConvergence } from '../support/dealConvergence.ts';
import {
  inboundReferral,
  startTestSandbox,
  type TestSandbox,
  waitFor,
  waitForQuiet,
} from '../support/sandboxHarness.ts';

describe('a Salesforce poll that sees an opportunity the connector is still creating', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ pollIntervalSeconds: 1 });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('does not send the opportunity back to Partner Center as a second referral', async () => {
    // The job creating the opportunity stalls after the upsert (adding the contact role takes 4 s), so the
    // poller sees the new opportunity, carrying the referral id and Sync ticked, before the link is saved.
    await sandbox.sf('POST', '/__emulator/faults', {
      match: {
        method: 'POST',
        path: `/services/data/v${SALESFORCE_API_VERSION}/sobjects/OpportunityContactRole`,
      },
      latencyMs: 4000,
      count: 1,
    });
    const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral());
    const referralId = String(created['id']);
    await waitFor('the upserted opportunity', async () => {
      const rows = await sandbox.seller.query(
        `SELECT Id FROM Opportunity WHERE Partner_Center_Referral_Id__c = '${referralId}'`,
      );
      return rows.totalSize === 1;
    });

    await waitForQuiet(sandbox, { minSyncs: 1 });
    const report = await waitForConvergence(sandbox, [referralId], { timeoutMs: 10_000 }).catch(
      async (error: unknown) => {
        const syncs = sandbox.syncs.map(
          (sync) =>
            `  ${sync.trigger} ${sync.action} ${sync.referralId} ⇄ ${sync.opportunityId}: ${sync.message}`,
        );
        throw new Error(
          `${(error as Error).message}\n${await describeDeals(sandbox)}\nsyncs:\n${syncs.join('\n')}`,
        );
      },
    );
    expect(report.referrals.map((referral) => referral['id'])).toEqual([referralId]);
    expect(sandbox.syncs.filter((sync) => sync.action === 'create_referral')).toEqual([]);
    const links = await sandbox.connector.store.links.list({ connectionId: 'sandbox' });
    expect(links.map((link) => [link.referralId, link.opportunityId])).toEqual([
      [referralId, report.opportunities[0]?.Id],
    ]);
  });
});
