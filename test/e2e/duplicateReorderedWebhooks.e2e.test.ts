import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForConvergence } from '../support/dealConvergence.ts';
import {
  inboundReferral,
  startTestSandbox,
  type TestSandbox,
  waitFor,
  waitForQuiet,
} from '../support/sandboxHarness.ts';

interface Delivery {
  id: string;
  eventName: string;
  resourceUri: string;
  status: string;
  duplicateOf: string | null;
  attempts: { attemptedAt: string }[];
}

const deliveriesOf = async (sandbox: TestSandbox): Promise<Delivery[]> =>
  (await sandbox.pc('GET', '/__emulator/webhook-deliveries')) as unknown as Delivery[];

const forReferral = (deliveries: Delivery[], referralId: string) =>
  deliveries.filter((delivery) => delivery.resourceUri.endsWith(`/${referralId}`));

describe('duplicated and reordered Partner Center webhooks', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('make exactly one opportunity per referral, with the referral’s final values', async () => {
    // Every event sent twice: two new referrals, each edited twice right away.
    await sandbox.pc('POST', '/__emulator/delivery-faults', { duplicate: 6 });
    const duplicated: string[] = [];
    for (const [index, name] of ['Northwind – Fabric analytics', 'Litware – Defender rollout'].entries()) {
      const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name }));
      const id = String(created['id']);
      duplicated.push(id);
      await sandbox.pc('PATCH', `/__emulator/referrals/${id}`, {
        details: { dealValue: 150_000 + index, notes: `Scope grew (${index}).` },
      });
      await sandbox.pc('PATCH', `/__emulator/referrals/${id}`, { name: `${name} (phase 2)` });
    }

    const afterDuplicates = await waitForConvergence(sandbox, duplicated);
    expect(afterDuplicates.opportunities).toHaveLength(2);
    await waitForQuiet(sandbox);
    // The fault really happened: six events (ours, and the connector's own writes) went out twice.
    const firstDeliveries = await waitFor('every webhook of the first two referrals delivered', async () => {
      const all = await deliveriesOf(sandbox);
      return all.every((delivery) => delivery.status === 'delivered') ? all : undefined;
    });
    expect(firstDeliveries.filter((delivery) => delivery.duplicateOf !== null)).toHaveLength(6);

    // Three events held and delivered newest first: the updates arrive before the create.
    await sandbox.pc('POST', '/__emulator/delivery-faults', { reorder: 3 });
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Tailspin – AKS modernisation' }),
    );
    const reordered = String(created['id']);
    await sandbox.pc('PATCH', `/__emulator/referrals/${reordered}`, {
      details: { dealValue: 42_000, closingDateTime: '2027-06-30T00:00:00Z' },
    });
    const held = forReferral(await deliveriesOf(sandbox), reordered);
    expect(held.map((delivery) => delivery.status)).toEqual(['held', 'held']);
    await sandbox.pc('PATCH', `/__emulator/referrals/${reordered}`, {
      name: 'Tailspin – AKS modernisation (resized)',
    });
    const reorderedEvents = await waitFor('the held events delivered', async () => {
      const events = forReferral(await deliveriesOf(sandbox), reordered).slice(0, 3);
      return events.length === 3 && events.every((delivery) => delivery.status === 'delivered')
        ? events
        : undefined;
    });
    expect(reorderedEvents.map((delivery) => delivery.eventName).sort()).toEqual([
      'referral-created',
      'referral-updated',
      'referral-updated',
    ]);

    const report = await waitForConvergence(sandbox, [...duplicated, reordered]);
    expect(report.opportunities).toHaveLength(3);
    expect(report.referrals).toHaveLength(3);
    expect(report.opportunities.find((row) => row.Partner_Center_Referral_Id__c === reordered)).toMatchObject(
      {
        Name: 'Tailspin – AKS modernisation (resized)',
        Amount: 42_000,
        CloseDate: '2027-06-30',
      },
    );

    // Once the worker is idle nothing changes any more, and the store holds one synced link per referral.
    await waitForQuiet(sandbox);
    const settled = await waitForConvergence(sandbox, [...duplicated, reordered], { timeoutMs: 1 });
    expect(settled.opportunities).toHaveLength(3);
    for (const id of [...duplicated, reordered]) {
      const link = await sandbox.connector.store.links.findByReferralId('sandbox', id);
      const opportunity = settled.opportunities.find((row) => row.Partner_Center_Referral_Id__c === id);
      expect(link).toMatchObject({ opportunityId: opportunity?.Id, state: 'synced' });
      const audit = await sandbox.connector.store.audit.list({
        connectionId: 'sandbox',
        linkId: link?.id ?? '',
      });
      expect(audit.filter((entry) => entry.outcome === 'error')).toEqual([]);
    }
  });
});
