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
  it('registers, refuses a second registration unless told to overwrite, then shows and removes it', async () => {
    const webhooks = client();
    expect(await webhooks.show()).toBeNull();
    const first = await webhooks.register('https://one.example/hook');
    expect(first).toMatchObject({
      webhookUrl: 'https://one.example/hook',
      webhookEvents: [...DEFAULT_WEBHOOK_EVENTS],
    });
    expect(first.subscriberId).toMatch(/\S+/);

    const conflict = await rejectionOf(webhooks.register('https://two.example/hook'));
    expect(conflict.kind).toBe('conflict');
    expect(conflict.status).toBe(409);
    expect(conflict.message).toContain('--overwrite');
    expect((await webhooks.show())?.webhookUrl).toBe('https://one.example/hook');

    const replaced = await webhooks.register('https://two.example/hook', ['referral-created'], {
      overwrite: true,
    });
    expect(replaced).toMatchObject({
      webhookUrl: 'https://two.example/hook',
      webhookEvents: ['referral-created'],
    });
    expect((await webhooks.show())?.webhookUrl).toBe('https://two.example/hook');

    await webhooks.remove();
    expect(await webhooks.show()).toBeNull();
    await webhooks.remove();
    expect(await webhooks.supportedEvents()).toEqual(expect.arrayContaining([...DEFAULT_WEBHOOK_EVENTS]));
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
      const result = await webhooks.test({ deadlineMs: 20_000, pollIntervalMs: 50 });
      expect(result.status).toBe('completed');
      expect(result.delivered).toBe(false);
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
