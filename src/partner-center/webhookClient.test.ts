import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  coSellBody,
  type EmulatorClient,
  startEmulatorClient,
} from '../../test/support/partnerCenterEmulatorKit.ts';
import { rejectionOf } from '../../test/support/rejectionOf.ts';
import { waitFor } from '../../test/support/waitFor.ts';
import type { AccessTokenProvider } from './partnerCenterHttp.ts';
import { DEFAULT_WEBHOOK_EVENTS, WebhookClient } from './webhookClient.ts';
import { WebhookSignatureVerifier, type WebhookVerificationResult } from './webhookSignatureVerifier.ts';

interface ReceivedDelivery {
  headers: Record<string, string | string[] | undefined>;
  result: WebhookVerificationResult;
}

let emulator: EmulatorClient;
let receiver: Server;
let receiverUrl: string;
let certificateAgent: Agent;
let verifier: WebhookSignatureVerifier;
const received: ReceivedDelivery[] = [];

beforeAll(async () => {
  emulator = await startEmulatorClient({ webhookRetryBaseMs: 20, webhookMaxRetryDelayMs: 100 });
  certificateAgent = new Agent({ connect: { ca: emulator.emulator.caCertPem } });
  verifier = new WebhookSignatureVerifier({
    allowedCertificateHosts: [new URL(emulator.emulator.certificateUrl).host],
    trustedRootsPem: [emulator.emulator.caCertPem],
    dispatcher: certificateAgent,
  });
  // A receiver like the connector's webhook endpoint: verify the raw bytes, answer 200 or the refusal status.
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void verifier.verify({ headers: request.headers, rawBody: Buffer.concat(chunks) }).then((result) => {
        received.push({ headers: request.headers, result });
        response.writeHead(result.ok ? 200 : result.error.httpStatus).end();
      });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/partner-center`;
});
afterAll(async () => {
  await emulator?.emulator.close();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  await certificateAgent?.close();
});
beforeEach(async () => {
  await emulator.control('POST', '/__emulator/reset');
  await emulator.control('DELETE', '/__emulator/faults');
  received.length = 0;
});

const webhooksToken: AccessTokenProvider = async () => {
  const result = await emulator.control('POST', '/__emulator/token', {
    audience: 'https://api.partnercenter.microsoft.com',
  });
  return String(result.json['access_token']);
};

function client(): WebhookClient {
  return new WebhookClient({
    baseUrl: `${emulator.emulator.url}/webhooks/v1`,
    getAccessToken: webhooksToken,
    retryBaseDelayMs: 5,
  });
}

describe('WebhookClient against the Partner Center emulator', () => {
  it('creates the registration, and registering the same URL again changes nothing and is not an error', async () => {
    const webhooks = client();
    expect(await webhooks.show()).toBeNull();
    const first = await webhooks.registerSafely({ url: 'https://one.example/hook' });
    expect(first.plan.action).toBe('create');
    expect(first.registration).toMatchObject({
      webhookUrl: 'https://one.example/hook',
      webhookEvents: [...DEFAULT_WEBHOOK_EVENTS],
    });
    expect(first.registration?.subscriberId).toMatch(/\S+/);
    const again = await webhooks.registerSafely({ url: 'https://one.example/hook' });
    expect(again.plan.action).toBe('unchanged');
    expect(await webhooks.register('https://one.example/hook')).toMatchObject({
      webhookUrl: 'https://one.example/hook',
    });
    expect(await webhooks.supportedEvents()).toEqual(expect.arrayContaining([...DEFAULT_WEBHOOK_EVENTS]));
  });

  it('keeps the events another tool registered, and refuses to move them without --force', async () => {
    const webhooks = client();
    // The tenant's billing tool owns the registration.
    await emulator.control('PUT', '/__emulator/webhook-registration', {
      WebhookUrl: 'https://billing.example/pc-events',
      WebhookEvents: ['invoice-ready', 'subscription-updated'],
      SignatureTokenToMsSignatureHeader: true,
    });

    const plain = await webhooks.registerSafely({ url: 'https://cosell.example/hook' });
    expect(plain.plan).toMatchObject({ action: 'refused', needs: '--overwrite' });
    expect(plain.plan.action === 'refused' && plain.plan.message).toContain(
      'https://billing.example/pc-events',
    );
    const overwrite = await webhooks.registerSafely({ url: 'https://cosell.example/hook', overwrite: true });
    expect(overwrite.plan).toMatchObject({ action: 'refused', needs: '--force' });
    expect(overwrite.plan.action === 'refused' && overwrite.plan.message).toContain(
      'invoice-ready, subscription-updated (registered by another tool)',
    );
    expect(await webhooks.show()).toMatchObject({
      webhookUrl: 'https://billing.example/pc-events',
      webhookEvents: ['invoice-ready', 'subscription-updated'],
    });
    const thrown = await rejectionOf(
      webhooks.register('https://cosell.example/hook', undefined, { overwrite: true }),
    );
    expect(thrown.kind).toBe('conflict');
    expect(thrown.message).toContain('--force');

    const forced = await webhooks.registerSafely({
      url: 'https://cosell.example/hook',
      overwrite: true,
      force: true,
    });
    expect(forced.plan).toMatchObject({
      action: 'update',
      movedOtherEvents: ['invoice-ready', 'subscription-updated'],
    });
    expect(await webhooks.show()).toEqual({
      subscriberId: expect.any(String),
      webhookUrl: 'https://cosell.example/hook',
      webhookEvents: ['invoice-ready', 'subscription-updated', ...DEFAULT_WEBHOOK_EVENTS],
      signatureInMsHeader: true,
    });
  });

  it('adds missing co-sell events at the same URL without dropping others, and drops others only when told to and forced', async () => {
    const webhooks = client();
    await emulator.control('PUT', '/__emulator/webhook-registration', {
      WebhookUrl: 'https://cosell.example/hook',
      WebhookEvents: ['referral-created', 'granular-admin-relationship-approved'],
    });
    const added = await webhooks.registerSafely({ url: 'https://cosell.example/hook' });
    expect(added.plan).toMatchObject({
      action: 'update',
      added: ['referral-updated', 'related-referral-created', 'related-referral-updated', 'test-created'],
      dropped: [],
    });
    expect((await webhooks.show())?.webhookEvents).toContain('granular-admin-relationship-approved');

    const drop = await webhooks.registerSafely({ url: 'https://cosell.example/hook', dropOtherEvents: true });
    expect(drop.plan).toMatchObject({ action: 'refused', needs: '--force' });
    expect(drop.plan.action === 'refused' && drop.plan.message).toContain(
      'granular-admin-relationship-approved would be unregistered',
    );
    const dropped = await webhooks.registerSafely({
      url: 'https://cosell.example/hook',
      dropOtherEvents: true,
      force: true,
    });
    expect(dropped.plan).toMatchObject({
      action: 'update',
      dropped: ['granular-admin-relationship-approved'],
    });
    expect((await webhooks.show())?.webhookEvents).toEqual([...DEFAULT_WEBHOOK_EVENTS]);
  });

  it('moves a registration that only another co-sell environment used with --overwrite alone', async () => {
    const webhooks = client();
    await emulator.control('PUT', '/__emulator/webhook-registration', {
      WebhookUrl: 'https://prod-flow.example/trigger',
      WebhookEvents: [...DEFAULT_WEBHOOK_EVENTS],
    });
    const moved = await webhooks.registerSafely({ url: 'https://cosell.example/hook', overwrite: true });
    expect(moved.plan).toMatchObject({ action: 'update', previousUrl: 'https://prod-flow.example/trigger' });
    expect(moved.before?.webhookUrl).toBe('https://prod-flow.example/trigger');
    expect((await webhooks.show())?.webhookUrl).toBe('https://cosell.example/hook');
  });

  it('runs the test() round trip through a verifying receiver', async () => {
    const webhooks = client();
    await webhooks.register(receiverUrl);
    const result = await webhooks.test({ deadlineMs: 15_000, pollIntervalMs: 50 });
    expect(result.status).toBe('completed');
    expect(result.delivered).toBe(true);
    expect(result.results[0]?.responseCode).toBe('OK');
    const delivery = received.find(
      (item) => item.result.ok && item.result.event.eventName === 'test-created',
    );
    expect(delivery?.result).toMatchObject({
      ok: true,
      event: { resourceName: 'test', resourceId: result.correlationId, referralId: null },
    });
  });

  it('reports a test delivery the receiver refused', async () => {
    const webhooks = client();
    await webhooks.register(receiverUrl);
    const strict = verifier;
    verifier = new WebhookSignatureVerifier({
      trustedRootsPem: [emulator.emulator.caCertPem],
      dispatcher: certificateAgent,
    });
    try {
      // The first refused attempt is the answer: no waiting for Partner Center's retries to run out.
      const result = await webhooks.test({ deadlineMs: 20_000, pollIntervalMs: 50 });
      expect(result.delivered).toBe(false);
      expect(result.results[0]?.responseCode).toBe('401');
      expect(received.every((item) => !item.result.ok)).toBe(true);
      expect(received[0]?.result).toMatchObject({
        ok: false,
        error: { code: 'certificate_url_not_allowed' },
      });
    } finally {
      verifier = strict;
    }
  });

  it('delivers a signed referral-created event that verifies end to end, in either signature header', async () => {
    const webhooks = client();
    await webhooks.register(receiverUrl);
    const created = await emulator.control('POST', '/__emulator/referrals', coSellBody());
    const referralId = String(created.json['id']);
    const delivery = await waitFor('a verified delivery', async () =>
      received.find((item) => item.result.ok),
    );
    expect(delivery.headers['authorization']).toMatch(/^Signature /);
    expect(delivery.result).toMatchObject({ ok: true, event: { eventName: 'referral-created', referralId } });

    received.length = 0;
    await webhooks.register(receiverUrl, DEFAULT_WEBHOOK_EVENTS, {
      overwrite: true,
      signatureInMsHeader: true,
    });
    await emulator.control('PATCH', `/__emulator/referrals/${referralId}`, {
      details: { notes: 'Updated by Microsoft' },
    });
    const update = await waitFor('a verified update delivery', async () =>
      received.find((item) => item.result.ok),
    );
    expect(update.headers['x-ms-signature']).toMatch(/\S+/);
    expect(update.headers['authorization']).toBeUndefined();
    expect(update.result).toMatchObject({ ok: true, event: { eventName: 'referral-updated', referralId } });

    const deliveries = await emulator.control('GET', '/__emulator/webhook-deliveries');
    expect(JSON.stringify(deliveries.body)).toContain(referralId);
  });
});
