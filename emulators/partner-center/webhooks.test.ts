import { verify, X509Certificate } from 'node:crypto';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type EmulatorClient,
  privateDealBody,
  startEmulatorClient,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../test/support/partnerCenterEmulatorKit.ts';
import { waitFor } from '../../test/support/waitFor.ts';
import type { DeliveryRecord } from './emulatorState.ts';

const REGISTRATION = '/webhooks/v1/registration';
const ALL_EVENTS = [
  'referral-created',
  'referral-updated',
  'related-referral-created',
  'related-referral-updated',
  'test-created',
];
let client: EmulatorClient;
let receiver: WebhookReceiver;

beforeAll(async () => {
  client = await startEmulatorClient({
    webhookRetryBaseMs: 5,
    webhookMaxRetryDelayMs: 20,
    webhookTimeoutMs: 500,
  });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await client.emulator.close();
  await receiver.close();
});
beforeEach(async () => {
  await client.control('POST', '/__emulator/reset');
  receiver.received.length = 0;
  receiver.statuses.length = 0;
});

async function register(
  body: Record<string, unknown> = { WebhookUrl: receiver.url, WebhookEvents: ALL_EVENTS },
) {
  const result = await client.callWebhooks('POST', REGISTRATION, body);
  expect(result.status).toBe(200);
  return result;
}

async function deliveries(): Promise<DeliveryRecord[]> {
  return (await client.control('GET', '/__emulator/webhook-deliveries')).body as DeliveryRecord[];
}

async function createReferral(name = 'Webhook deal'): Promise<string> {
  const created = await client.call('POST', '/v1.0/engagements/referrals', privateDealBody({ name }));
  expect(created.status).toBe(201);
  return String(created.json['id']);
}

function receivedCount(count: number) {
  return waitFor(`${count} webhook(s)`, async () =>
    receiver.received.length >= count ? receiver.received.slice() : undefined,
  );
}

describe('registration', () => {
  it('lists the supported events', async () => {
    const events = await client.callWebhooks('GET', `${REGISTRATION}/events`);
    expect(events.body).toEqual(expect.arrayContaining(ALL_EVENTS));
  });

  it('answers 409 to a second POST and overwrites with PUT (camelCase accepted)', async () => {
    const first = await register();
    expect(first.json).toMatchObject({ WebhookUrl: receiver.url, WebhookEvents: ALL_EVENTS });
    const second = await client.callWebhooks('POST', REGISTRATION, {
      WebhookUrl: 'http://127.0.0.1:1/other',
      WebhookEvents: ALL_EVENTS,
    });
    expect(second.status).toBe(409);
    expect(String((second.json['error'] as Record<string, unknown>)['message'])).toMatch(/PUT/);

    const replaced = await client.callWebhooks('PUT', REGISTRATION, {
      webhookUrl: 'http://127.0.0.1:1/other',
      webhookEvents: ['referral-created'],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json['SubscriberId']).toBe(first.json['SubscriberId']);
    const shown = await client.callWebhooks('GET', REGISTRATION);
    expect(shown.json).toMatchObject({
      WebhookUrl: 'http://127.0.0.1:1/other',
      WebhookEvents: ['referral-created'],
    });

    expect((await client.callWebhooks('DELETE', REGISTRATION)).status).toBe(204);
    expect((await client.callWebhooks('GET', REGISTRATION)).status).toBe(404);
  });

  it('refuses unknown events and a missing URL', async () => {
    const result = await client.callWebhooks('POST', REGISTRATION, {
      WebhookUrl: receiver.url,
      WebhookEvents: ['nope'],
    });
    expect(result.status).toBe(400);
    const noUrl = await client.callWebhooks('POST', REGISTRATION, { WebhookEvents: ALL_EVENTS });
    expect(noUrl.status).toBe(400);
  });
});

describe('deliveries', () => {
  it('signs the exact body with a leaf that chains to the test CA and says O=Microsoft Corporation', async () => {
    await register();
    const id = await createReferral();
    const [webhook] = await receivedCount(1);
    if (!webhook) throw new Error('no webhook');
    expect(Object.keys(webhook.json)).toEqual([
      'EventName',
      'ResourceUri',
      'ResourceName',
      'AuditUri',
      'ResourceChangeUtcDate',
    ]);
    expect(webhook.json).toMatchObject({
      EventName: 'referral-created',
      ResourceUri: `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${id}`,
      ResourceName: 'referral',
      AuditUri: null,
    });
    expect(String(webhook.json['ResourceChangeUtcDate'])).toMatch(/\.\d{7}\+00:00$/);
    expect(webhook.headers['x-ms-signature-algorithm']).toBe('rsa-sha256');
    const certificateUrl = String(webhook.headers['x-ms-certificate-url']);
    expect(certificateUrl).toBe(client.emulator.certificateUrl);
    const authorization = String(webhook.headers['authorization']);
    expect(authorization).toMatch(/^Signature /);

    const agent = new Agent({ connect: { ca: client.emulator.caCertPem } });
    const certificateResponse = await fetch(certificateUrl, { dispatcher: agent });
    const leaf = new X509Certificate(Buffer.from(await certificateResponse.arrayBuffer()));
    await agent.close();
    const ca = new X509Certificate(client.emulator.caCertPem);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subject).toMatch(/O=Microsoft Corporation/);
    const signature = Buffer.from(authorization.slice('Signature '.length), 'base64');
    expect(verify('sha256', webhook.rawBody, leaf.publicKey, signature)).toBe(true);
    const tampered = Buffer.from(
      webhook.rawBody.toString('utf8').replace('referral-created', 'referral-updated'),
    );
    expect(verify('sha256', tampered, leaf.publicKey, signature)).toBe(false);
  });

  it('puts the signature in x-ms-signature when the registration asks for it', async () => {
    await register({
      WebhookUrl: receiver.url,
      WebhookEvents: ALL_EVENTS,
      SignatureTokenToMsSignatureHeader: true,
    });
    await createReferral();
    const [webhook] = await receivedCount(1);
    expect(webhook?.headers['authorization']).toBeUndefined();
    expect(String(webhook?.headers['x-ms-signature'])).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('retries a receiver answering 500 until it succeeds', async () => {
    await register();
    receiver.statuses.push(500, 500, 503);
    await createReferral();
    const received = await receivedCount(4);
    expect(received.map((webhook) => webhook.answeredStatus)).toEqual([500, 500, 503, 200]);
    expect(new Set(received.map((webhook) => webhook.rawBody.toString('utf8'))).size).toBe(1);
    const [delivery] = await waitFor('delivered status', async () => {
      const all = await deliveries();
      return all[0]?.status === 'delivered' ? all : undefined;
    });
    expect(delivery?.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 503, 200]);
  });

  it('retries when the receiver does not answer in time', async () => {
    await register();
    receiver.statuses.push(0);
    await createReferral();
    const [delivery] = await waitFor('delivery after a timeout', async () => {
      const all = await deliveries();
      return all[0]?.status === 'delivered' ? all : undefined;
    });
    expect(delivery?.attempts).toHaveLength(2);
    expect(delivery?.attempts[0]).toMatchObject({
      statusCode: null,
      error: expect.stringMatching(/timeout|abort/i),
    });
    expect(delivery?.attempts[1]?.statusCode).toBe(200);
  });

  it('gives up after 10 attempts', async () => {
    await register();
    receiver.statuses.push(...Array.from({ length: 12 }, () => 500));
    await createReferral();
    const [delivery] = await waitFor('failed delivery', async () => {
      const all = await deliveries();
      return all[0]?.status === 'failed' ? all : undefined;
    });
    expect(delivery?.attempts).toHaveLength(10);
    expect(receiver.received).toHaveLength(10);
  });

  it('only sends registered events', async () => {
    await register({ WebhookUrl: receiver.url, WebhookEvents: ['referral-updated'] });
    const id = await createReferral();
    await client.call('PATCH', `/v1.0/engagements/referrals/${id}`, [
      { op: 'replace', path: '/name', value: 'x' },
    ]);
    const [webhook] = await receivedCount(1);
    expect(webhook?.json['EventName']).toBe('referral-updated');
    expect((await deliveries()).map((delivery) => delivery.eventName)).toEqual(['referral-updated']);
  });

  it('sends a test-created validation event and reports its result', async () => {
    await register();
    const sent = await client.callWebhooks('POST', `${REGISTRATION}/validationEvents`);
    expect(sent.status).toBe(200);
    const correlationId = String(sent.json['correlationId']);
    const [webhook] = await receivedCount(1);
    expect(webhook?.json).toMatchObject({
      EventName: 'test-created',
      ResourceName: 'test',
      ResourceUri: `https://api.partnercenter.microsoft.com/webhooks/v1/registration/validationEvents/${correlationId}`,
    });
    const status = await waitFor('completed validation', async () => {
      const result = await client.callWebhooks('GET', `${REGISTRATION}/validationEvents/${correlationId}`);
      return result.json['status'] === 'completed' ? result.json : undefined;
    });
    expect(status).toMatchObject({
      correlationId,
      callbackUrl: receiver.url,
      results: [{ responseCode: 'OK', systemError: false }],
    });
  });
});

describe('delivery faults', () => {
  it('drops the next event', async () => {
    await register();
    await client.control('POST', '/__emulator/delivery-faults', { drop: 1 });
    await createReferral('dropped');
    await createReferral('kept');
    await receivedCount(1);
    const all = await deliveries();
    expect(all.map((delivery) => delivery.status)).toEqual(['dropped', 'delivered']);
    expect(receiver.received).toHaveLength(1);
  });

  it('duplicates the next event', async () => {
    await register();
    await client.control('POST', '/__emulator/delivery-faults', { duplicate: 1 });
    await createReferral();
    const received = await receivedCount(2);
    expect(received[0]?.rawBody.equals(received[1]?.rawBody ?? Buffer.alloc(0))).toBe(true);
    const all = await deliveries();
    expect(all[1]?.duplicateOf).toBe(all[0]?.id);
  });

  it('reorders the next two events', async () => {
    await register();
    await client.control('POST', '/__emulator/delivery-faults', { reorder: true });
    const first = await createReferral('first');
    const second = await createReferral('second');
    const received = await receivedCount(2);
    expect(received.map((webhook) => String(webhook.json['ResourceUri']).split('/').pop())).toEqual([
      second,
      first,
    ]);
  });

  it('drops, duplicates and reorders shares of events by ratio, and counts each', async () => {
    await register();
    await client.control('POST', '/__emulator/delivery-faults', { dropRatio: 1 });
    await createReferral('lost');
    await client.control('POST', '/__emulator/delivery-faults', { dropRatio: 0, reorderRatio: 1 });
    const overtaken = await createReferral('overtaken');
    await client.control('POST', '/__emulator/delivery-faults', { reorderRatio: 0, duplicateRatio: 1 });
    const later = await createReferral('later');
    const received = await receivedCount(3);
    expect(received.map((webhook) => String(webhook.json['ResourceUri']).split('/').pop())).toEqual([
      later,
      later,
      overtaken,
    ]);
    const faults = await client.control('GET', '/__emulator/delivery-faults');
    expect(faults.json['totals']).toEqual({ dropped: 1, duplicated: 1, reordered: 1 });
  });

  it('fails the next attempts with an injected status, then retries', async () => {
    await register();
    await client.control('POST', '/__emulator/delivery-faults', { status: 503, count: 2 });
    await createReferral();
    await receivedCount(1);
    const [delivery] = await waitFor('delivered after injected failures', async () => {
      const all = await deliveries();
      return all[0]?.status === 'delivered' ? all : undefined;
    });
    expect(delivery?.attempts.map((attempt) => attempt.statusCode)).toEqual([503, 503, 200]);
  });
});
