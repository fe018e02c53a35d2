import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForConvergence } from '../support/dealConvergence.ts';
import { inboundReferral, startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';

interface Delivery {
  eventName: string;
  resourceUri: string;
  status: string;
}

/** Checks that the emulator recorded the newest such event of the referral as dropped (never sent). */
async function expectDropped(sandbox: TestSandbox, referralId: string, eventName: string): Promise<void> {
  const deliveries = await waitFor(`the ${eventName} event of ${referralId}`, async () => {
    const all = (await sandbox.pc('GET', '/__emulator/webhook-deliveries')) as unknown as Delivery[];
    const mine = all.filter(
      (delivery) => delivery.resourceUri.endsWith(`/${referralId}`) && delivery.eventName === eventName,
    );
    return mine.length ? mine : undefined;
  });
  expect(deliveries.at(-1)?.status).toBe('dropped');
}

describe('a lost Partner Center webhook is healed by the periodic reconcile', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    // Salesforce polling (which also reads Partner Center) is slowed down so that only reconcile can heal.
    sandbox = await startTestSandbox({
      pollIntervalSeconds: 3600,
      configOverrides: { sync: { reconcileIntervalSeconds: 2 } },
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('creates the opportunity for a referral whose referral-created event was dropped', async () => {
    await sandbox.pc('POST', '/__emulator/delivery-faults', { drop: 1 });
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Wingtip – Sentinel SOC' }),
    );
    const referralId = String(created['id']);
    await expectDropped(sandbox, referralId, 'referral-created');

    await waitForConvergence(sandbox, [referralId]);
    const creation = sandbox.syncs.find(
      (sync) => sync.referralId === referralId && sync.action === 'create_opportunity',
    );
    expect(creation?.trigger).toBe('reconcile');
    expect(sandbox.syncs.filter((sync) => sync.action === 'create_opportunity')).toHaveLength(1);
  });

  it('brings a Partner Center edit whose referral-updated event was dropped into Salesforce', async () => {
    // The connector's own write-back (externalReferenceId) fires an event too: let it go out before the fault.
    await waitFor('every earlier webhook sent', async () => {
      const all = (await sandbox.pc('GET', '/__emulator/webhook-deliveries')) as unknown as Delivery[];
      return all.every((delivery) => delivery.status === 'delivered' || delivery.status === 'dropped');
    });
    const [referral] = (await sandbox.pc('GET', '/__emulator/referrals')) as unknown as { id: string }[];
    const referralId = String(referral?.id);
    const syncsBefore = sandbox.syncs.length;
    await sandbox.pc('POST', '/__emulator/delivery-faults', { drop: 1 });
    await sandbox.pc('PATCH', `/__emulator/referrals/${referralId}`, {
      details: { dealValue: 275_000, notes: 'Expanded to three regions.' },
    });
    await expectDropped(sandbox, referralId, 'referral-updated');

    const report = await waitForConvergence(sandbox, [referralId]);
    expect(report.opportunities).toEqual([
      expect.objectContaining({ Amount: 275_000, Description: 'Expanded to three regions.' }),
    ]);
    const update = sandbox.syncs
      .slice(syncsBefore)
      .find((sync) => sync.action === 'update' && sync.toSalesforce.length > 0);
    expect(update?.trigger).toBe('reconcile');
    expect(update?.toSalesforce.map((change) => change.field)).toEqual(
      expect.arrayContaining(['dealValue', 'notes']),
    );
  });
});
