import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECONCILE_CURSOR_SOURCE } from '../../src/sync/syncWorker.ts';
import { allOpportunities, allReferrals, type DealSides } from '../support/dealConvergence.ts';
import { startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';
import { shareOpportunityWithMicrosoft } from '../support/sellerActions.ts';

describe('the periodic reconcile after an opportunity is shared with Microsoft asking for help', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ configOverrides: { sync: { reconcileIntervalSeconds: 2 } } });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('leaves Microsoft’s related referral alone: no opportunity for it, no write to it, the connection stays active', async () => {
    const sides: DealSides = { seller: sandbox.seller, urls: sandbox.urls };
    const opportunityId = await shareOpportunityWithMicrosoft(sandbox.seller, 'Contoso Retail – Copilot');
    const ours = await waitFor('the referral created from the opportunity', async () =>
      (await allReferrals(sides)).find((referral) => referral['externalReferenceId'] === opportunityId),
    );
    const microsofts = await waitFor('Microsoft’s related referral in the same engagement', async () =>
      (await allReferrals(sides)).find(
        (referral) => referral['engagementId'] === ours['engagementId'] && referral['id'] !== ours['id'],
      ),
    );
    expect(microsofts['organizationId']).toBe('msft');

    // Two full reconcile rounds after Microsoft's referral exists (the cursor moves at the end of each).
    const { store } = sandbox.connector;
    const roundsSeen = new Set<string>();
    const startedAt = new Date().toISOString();
    await waitFor('two reconcile rounds', async () => {
      const cursor = await store.cursors.get('sandbox', RECONCILE_CURSOR_SOURCE);
      if (cursor && cursor > startedAt) roundsSeen.add(cursor);
      return roundsSeen.size >= 2;
    });
    await waitFor('the queue to drain', async () => (await sandbox.connector.queue.stats()).running === 0);

    // Soft expectations: each names a separate fault, all are reported.
    const opportunities = await allOpportunities(sides);
    expect
      .soft(opportunities.map((row) => [row.Id, row.Partner_Center_Referral_Id__c]))
      .toEqual([[opportunityId, ours['id']]]);
    expect.soft(await store.links.findByReferralId('sandbox', String(microsofts['id']))).toBeNull();
    expect
      .soft(await store.connections.get('sandbox'))
      .toMatchObject({ state: 'active', pausedReason: null });
    expect.soft(await store.deadLetters.list({ connectionId: 'sandbox' })).toEqual([]);
  });
});
