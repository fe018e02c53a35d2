/**
 * Hostile input at POST /webhooks/partner-center, over real HTTP against the real server, store and queue:
 * forged, tampered and wrongly-signed deliveries, certificate URLs that must never be fetched (a loopback canary
 * proves no request reached it), certificate downloads that redirect, hang or are huge, bodies over 1 MB,
 * malformed JSON, events the connector does not act on (acknowledged with 202 "ignored", never stored), replays
 * (deduplicated by the inbox), and a flood of unsigned or unfetchable deliveries after which a real delivery is
 * still acknowledged.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRootCa, issueCertificate } from '../../../emulators/partner-center/testPki.ts';
import {
  type CertificateServer,
  type ConnectorHttp,
  signedDeliveryHeaders,
  startCertificateServer,
  startConnectorHttp,
  TEST_CONNECTION_ID,
  webhookEventBody,
} from '../../../test/support/connectorHttpKit.ts';
import { WEBHOOK_PATH } from './postPartnerCenterWebhook.ts';

let certificates: CertificateServer;
let connector: ConnectorHttp;
let canary: Server;
let canaryHits = 0;
let canaryOrigin: string;
let validCertificateUrl: string;

beforeAll(async () => {
  certificates = await startCertificateServer();
  validCertificateUrl = `${certificates.origin}/cert/valid.cer`;
  connector = await startConnectorHttp({ certificates, verifier: { maxConcurrentCertificateDownloads: 4 } });
  canary = createServer((_request, response) => {
    canaryHits += 1;
    response.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(certificates.leaf.certDer);
  });
  await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
  canaryOrigin = `127.0.0.1:${(canary.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await connector?.close();
  await certificates?.close();
  canary?.closeAllConnections();
  await new Promise<void>((resolve) => canary?.close(() => resolve()));
});

beforeEach(() => {
  certificates.requestedPaths.length = 0;
});

async function deliver(body: Buffer | string, headers: Record<string, string>) {
  const response = await fetch(`${connector.url}${WEBHOOK_PATH}`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const stored = () => connector.store.inbox.listUnprocessed(TEST_CONNECTION_ID, 10_000);

describe('the Partner Center webhook endpoint under hostile input', () => {
  it('accepts a signed delivery once; the same body again is a duplicate, stored once and queued once', async () => {
    const body = webhookEventBody('referral-created', 'replayed-referral-1');
    const headers = signedDeliveryHeaders(certificates.leaf, validCertificateUrl, body);
    expect(await deliver(body, headers)).toEqual({ status: 202, body: { status: 'accepted' } });
    expect(await deliver(body, headers)).toEqual({ status: 202, body: { status: 'duplicate' } });
    const rows = (await stored()).filter((row) => row.resourceId === 'replayed-referral-1');
    expect(rows).toHaveLength(1);
    expect((await connector.queue.stats()).pending).toBe(1);
  });

  it('refuses forged, tampered and wrongly-labelled signatures with 401 and stores nothing', async () => {
    const before = await stored();
    const body = webhookEventBody('referral-updated', 'forged-referral');
    const otherRoot = await createRootCa('CN=Attacker Root, O=Microsoft Corporation');
    const attacker = await issueCertificate(otherRoot, { subject: 'CN=attacker, O=Microsoft Corporation' });
    // Signed by a key that is not the certificate's.
    const forged = await deliver(body, signedDeliveryHeaders(attacker, validCertificateUrl, body));
    expect(forged).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });
    // Signed properly, then one byte of the body changed.
    const headers = signedDeliveryHeaders(certificates.leaf, validCertificateUrl, body);
    const tampered = Buffer.from(body.toString().replace('forged-referral', 'forged-referrak'));
    expect(await deliver(tampered, headers)).toMatchObject({
      status: 401,
      body: { error: { code: 'invalid_signature' } },
    });
    // Garbage where the signature goes.
    expect(await deliver(body, { ...headers, authorization: 'Signature !!!not-base64!!!' })).toMatchObject({
      status: 401,
    });
    for (const algorithm of ['rsa-sha1', 'hmac-sha256', 'none']) {
      expect(await deliver(body, { ...headers, 'x-ms-signature-algorithm': algorithm })).toMatchObject({
        status: 401,
        body: { error: { code: 'unsupported_algorithm' } },
      });
    }
    expect(await stored()).toEqual(before);
  });

  it('never fetches a certificate URL that is plain HTTP or not allow-listed: the canary sees no request', async () => {
    const body = webhookEventBody('referral-created', 'canary-referral');
    const certificatePort = new URL(certificates.origin).port;
    const refusals = [
      [`http://${canaryOrigin}/cert/valid.cer`, 'certificate_url_not_https'],
      [`https://${canaryOrigin}/cert/valid.cer`, 'certificate_url_not_allowed'],
      [`https://localhost:${certificatePort}/cert/valid.cer`, 'certificate_url_not_allowed'],
      [
        `https://user:pass@${new URL(certificates.origin).host}/cert/valid.cer`,
        'certificate_url_not_allowed',
      ],
      ['https://169.254.169.254/latest/meta-data/', 'certificate_url_not_allowed'],
      ['file:///etc/passwd', 'certificate_url_not_https'],
      ['not a url', 'certificate_url_invalid'],
    ] as const;
    for (const [url, code] of refusals) {
      const answer = await deliver(body, signedDeliveryHeaders(certificates.leaf, url, body));
      expect(answer, url).toMatchObject({ status: 401, body: { error: { code } } });
    }
    expect(canaryHits).toBe(0);
    expect(certificates.requestedPaths).toEqual([]);
    expect((await stored()).some((row) => row.resourceId === 'canary-referral')).toBe(false);
  });

  it('answers 503 (Partner Center retries) when the certificate download redirects, hangs or is huge', async () => {
    const body = webhookEventBody('referral-created', 'download-referral');
    const redirect = certificates.serve('/cert/moved.cer', Buffer.alloc(0), 302, {
      location: `http://${canaryOrigin}/cert/valid.cer`,
    });
    const huge = certificates.serve('/cert/huge.cer', Buffer.alloc(2 * 1024 * 1024, 0x41));
    const hanging = `${certificates.origin}/slow/hangs.cer`;
    for (const url of [redirect, huge, hanging]) {
      const answer = await deliver(body, signedDeliveryHeaders(certificates.leaf, url, body));
      expect(answer, url).toMatchObject({
        status: 503,
        body: { error: { code: 'certificate_fetch_failed' } },
      });
    }
    // The redirect was not followed.
    expect(canaryHits).toBe(0);
    expect(certificates.requestedPaths).toEqual(['/cert/moved.cer', '/cert/huge.cer', '/slow/hangs.cer']);
  });

  it('refuses a body over 1 MB with 413, declared or streamed, and stores nothing', async () => {
    const before = await stored();
    const padding = 'x'.repeat(1024 * 1024 + 10);
    const body = Buffer.from(
      JSON.stringify({ ...JSON.parse(webhookEventBody('referral-created', 'big').toString()), padding }),
    );
    const headers = signedDeliveryHeaders(certificates.leaf, validCertificateUrl, body);
    expect((await deliver(body, headers)).status).toBe(413);
    // Without a Content-Length (chunked), the limit holds as the bytes arrive.
    const streamed = await fetch(`${connector.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers,
      body: new Blob([body]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // Unsigned, it is refused on its headers alone, before any of the body is read.
    expect(await deliver(body, { 'content-type': 'application/json' })).toMatchObject({
      status: 401,
      body: { error: { code: 'missing_signature' } },
    });
    expect(await stored()).toEqual(before);
  });

  it('refuses a signed body that is not a Partner Center event with 400, and stores nothing', async () => {
    const before = await stored();
    for (const text of [
      '{"EventName": "referral-created", ',
      'null',
      '[1,2]',
      '{"ResourceName":"referral"}',
      '',
    ]) {
      const answer = await deliver(text, signedDeliveryHeaders(certificates.leaf, validCertificateUrl, text));
      expect(answer, text).toMatchObject({ status: 400, body: { error: { code: 'invalid_event' } } });
    }
    expect(await stored()).toEqual(before);
  });

  it('acknowledges events it does not act on with 202 "ignored" and neither stores nor queues them', async () => {
    const before = await stored();
    const queued = (await connector.queue.stats()).pending;
    for (const eventName of ['subscription-updated', 'test-created', 'referral-deleted']) {
      const body = webhookEventBody(eventName, `ignored-${eventName}`);
      expect(
        await deliver(body, signedDeliveryHeaders(certificates.leaf, validCertificateUrl, body)),
      ).toEqual({ status: 202, body: { status: 'ignored', eventName } });
    }
    expect(await stored()).toEqual(before);
    expect((await connector.queue.stats()).pending).toBe(queued);
  });

  it('after 2,000 unsigned deliveries and 200 naming unfetchable certificates, a real delivery is still acknowledged', async () => {
    const before = await stored();
    const junk = Buffer.from(JSON.stringify({ EventName: 'referral-created', padding: 'y'.repeat(4096) }));
    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const unsigned = Array.from(
      { length: 2_000 },
      () => () =>
        deliver(junk, { 'content-type': 'application/json' }).then((answer) => count(answer.status)),
    );
    await runWithConcurrency(unsigned, 50);
    expect(Object.fromEntries(statuses)).toEqual({ 401: 2_000 });

    // Signed-looking deliveries naming 200 different certificate paths on the allowed host that never answer:
    // only a few downloads run at once, the rest are refused at once with 503.
    statuses.clear();
    const hanging = Array.from({ length: 200 }, (_, index) => () => {
      const url = `${certificates.origin}/slow/flood-${index}.cer`;
      return deliver(junk, signedDeliveryHeaders(certificates.leaf, url, junk)).then((answer) =>
        count(answer.status),
      );
    });
    await runWithConcurrency(hanging, 50);
    expect(Object.fromEntries(statuses)).toEqual({ 503: 200 });
    expect(certificates.peakOpenSlowRequests()).toBeLessThanOrEqual(4);

    const body = webhookEventBody('referral-updated', 'after-the-flood');
    expect(await deliver(body, signedDeliveryHeaders(certificates.leaf, validCertificateUrl, body))).toEqual({
      status: 202,
      body: { status: 'accepted' },
    });
    const added = (await stored()).filter((row) => !before.some((known) => known.id === row.id));
    expect(added.map((row) => row.resourceId)).toEqual(['after-the-flood']);
    const metrics = connector.metrics.render();
    expect(metrics).toMatch(/cosell_webhooks_total\{outcome="rejected"\} (\d+)/);
    expect(
      Number(/cosell_webhooks_total\{outcome="rejected"\} (\d+)/.exec(metrics)?.[1]),
    ).toBeGreaterThanOrEqual(2_200);
  });
});

/** Runs the tasks with at most `limit` in flight. */
async function runWithConcurrency(tasks: (() => Promise<unknown>)[], limit: number): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: limit }, async () => {
    while (next < tasks.length) {
      const task = tasks[next];
      next += 1;
      await task?.();
    }
  });
  await Promise.all(lanes);
}
