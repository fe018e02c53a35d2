import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  coSellBody,
  type EmulatorClient,
  privateDealBody,
  startEmulatorClient,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../test/support/partnerCenterEmulatorKit.ts';
import { waitFor } from '../../test/support/waitFor.ts';
import type { DeliveryRecord } from './emulatorState.ts';
import type { JsonObject } from './referralRules.ts';

const REFERRALS = '/v1.0/engagements/referrals';
const DAY_MS = 86_400_000;
let client: EmulatorClient;
let receiver: WebhookReceiver;

beforeAll(async () => {
  client = await startEmulatorClient();
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await client.emulator.close();
  await receiver.close();
});
beforeEach(async () => {
  await client.control('POST', '/__emulator/reset');
  receiver.received.length = 0;
  const registered = await client.callWebhooks('POST', '/webhooks/v1/registration', {
    WebhookUrl: receiver.url,
    WebhookEvents: [
      'referral-created',
      'referral-updated',
      'related-referral-created',
      'related-referral-updated',
    ],
  });
  expect(registered.status).toBe(200);
});

async function eventsFor(id: string): Promise<string[]> {
  const deliveries = (await client.control('GET', '/__emulator/webhook-deliveries')).body as DeliveryRecord[];
  return deliveries
    .filter((delivery) => delivery.resourceUri.endsWith(`/${id}`))
    .map((delivery) => delivery.eventName);
}

async function related(referral: JsonObject): Promise<JsonObject[]> {
  const uri = (referral['links'] as { relatedReferrals: { uri: string } }).relatedReferrals.uri;
  const result = await client.call('GET', uri.replace(client.emulator.url, ''));
  return (result.json['value'] as JsonObject[]).filter((candidate) => candidate['id'] !== referral['id']);
}

describe("Microsoft's related referral", () => {
  it('appears for a Shared referral asking for help, and the Microsoft seller can accept it', async () => {
    const created = await client.call('POST', REFERRALS, coSellBody());
    expect(created.status).toBe(201);
    const [microsoft] = await related(created.json);
    if (!microsoft) throw new Error('no related referral');
    expect(microsoft).toMatchObject({
      engagementId: created.json['engagementId'],
      organizationId: 'msft',
      status: 'New',
      substatus: 'Pending',
      target: [{ type: 'BusinessProfileLocation', id: 'msft' }],
      inviteContext: { invitedBy: { organizationId: 'msft' }, assistanceRequestCode: 'ProofOfConceptOrDemo' },
    });
    const microsoftId = String(microsoft['id']);
    expect(await eventsFor(microsoftId)).toEqual(['related-referral-created']);

    const partnerPatch = await client.call('PATCH', `${REFERRALS}/${microsoftId}`, [
      { op: 'replace', path: '/status', value: 'Active' },
    ]);
    expect(partnerPatch.status).toBe(403);

    const accepted = await client.control(
      'POST',
      `/__emulator/microsoft/referrals/${String(created.json['id'])}/accept`,
      {
        microsoftMsxId: '7-ABCDEFGHIJ',
      },
    );
    expect(accepted.status).toBe(200);
    expect(accepted.json).toMatchObject({
      id: microsoftId,
      status: 'Active',
      substatus: 'Accepted',
      trackingInfo: { microsoftMsxId: '7-ABCDEFGHIJ' },
    });
    await waitFor('related-referral-updated', async () =>
      (await eventsFor(microsoftId)).includes('related-referral-updated') ? true : undefined,
    );
    const partner = await client.call('GET', `${REFERRALS}/${String(created.json['id'])}`);
    expect(partner.json).toMatchObject({ trackingInfo: { microsoftMsxId: '7-ABCDEFGHIJ' } });
    expect(await eventsFor(String(created.json['id']))).toEqual(['referral-created', 'referral-updated']);
  });

  it('lets the Microsoft seller decline with a reason', async () => {
    const created = await client.call('POST', REFERRALS, coSellBody());
    const declined = await client.control(
      'POST',
      `/__emulator/microsoft/referrals/${String(created.json['id'])}/decline`,
      {
        statusReason: 'Customer not in territory',
      },
    );
    expect(declined.json).toMatchObject({
      status: 'Closed',
      substatus: 'Declined',
      statusReason: 'Customer not in territory',
    });
  });

  it('does not appear for private deals or partner-led deals without a help request', async () => {
    // Partner-led: shared with Microsoft sellers (so it carries a co-sell-ready solution), no help requested.
    const created = await client.call(
      'POST',
      REFERRALS,
      privateDealBody({ type: 'Shared', details: coSellBody()['details'] }),
    );
    expect(created.status).toBe(201);
    expect(await related(created.json)).toEqual([]);
    const missing = await client.control(
      'POST',
      `/__emulator/microsoft/referrals/${String(created.json['id'])}/accept`,
      {},
    );
    expect(missing.status).toBe(404);
  });

  it('appears when a later PATCH asks Microsoft for help', async () => {
    const created = await client.call(
      'POST',
      REFERRALS,
      coSellBody({ inviteContext: { assistanceRequestCode: 'Unknown' } }),
    );
    expect(await related(created.json)).toEqual([]);
    await client.call('PATCH', `${REFERRALS}/${String(created.json['id'])}`, [
      { op: 'replace', path: '/inviteContext/assistanceRequestCode', value: 'QuotesOrLicensing' },
    ]);
    expect(await related(created.json)).toHaveLength(1);
  });
});

describe('inbound referrals', () => {
  it('arrive New/Pending from Microsoft and fire referral-created', async () => {
    const created = await client.control(
      'POST',
      '/__emulator/referrals',
      privateDealBody({ name: 'From Microsoft' }),
    );
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      status: 'New',
      substatus: 'Pending',
      direction: 'Incoming',
      inviteContext: { invitedBy: { organizationId: 'msft' } },
    });
    expect(await eventsFor(String(created.json['id']))).toEqual(['referral-created']);
    const changed = await client.control('PATCH', `/__emulator/referrals/${String(created.json['id'])}`, {
      details: { dealValue: 99 },
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ details: { dealValue: 99, currency: 'USD' } });
    expect(await eventsFor(String(created.json['id']))).toEqual(['referral-created', 'referral-updated']);
  });

  it('expire to Closed/Expired after 14 emulator days without an answer', async () => {
    const waiting = await client.control(
      'POST',
      '/__emulator/referrals',
      privateDealBody({ name: 'Unanswered' }),
    );
    const answered = await client.control(
      'POST',
      '/__emulator/referrals',
      privateDealBody({ name: 'Answered' }),
    );
    const answeredId = String(answered.json['id']);
    await client.call('PATCH', `${REFERRALS}/${answeredId}`, [
      { op: 'replace', path: '/status', value: 'Active' },
      { op: 'replace', path: '/substatus', value: 'Accepted' },
    ]);
    await client.control('POST', '/__emulator/clock', { advanceMs: 13 * DAY_MS });
    expect((await client.call('GET', `${REFERRALS}/${String(waiting.json['id'])}`)).status).toBe(401);
    client.token = String((await client.control('POST', '/__emulator/token')).json['access_token']);
    expect((await client.call('GET', `${REFERRALS}/${String(waiting.json['id'])}`)).json['status']).toBe(
      'New',
    );

    const advanced = await client.control('POST', '/__emulator/clock', { advanceMs: DAY_MS + 1000 });
    expect(advanced.json['expired']).toBe(1);
    client.token = String((await client.control('POST', '/__emulator/token')).json['access_token']);
    const expired = await client.call('GET', `${REFERRALS}/${String(waiting.json['id'])}`);
    expect(expired.json).toMatchObject({ status: 'Closed', substatus: 'Expired' });
    expect(expired.json['closedDateTime']).toMatch(/\.\d{7}Z$/);
    expect((await client.call('GET', `${REFERRALS}/${answeredId}`)).json['status']).toBe('Active');
    expect(await eventsFor(String(waiting.json['id']))).toEqual(['referral-created', 'referral-updated']);
  });
});
