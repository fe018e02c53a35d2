import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createRootCa,
  issueCertificate,
  signBody,
  type TestCertificate,
} from '../../emulators/partner-center/testPki.ts';
import {
  type CertificateServer,
  signedDeliveryHeaders,
  startCertificateServer,
} from '../../test/support/connectorHttpKit.ts';
import { ManualClock } from '../shared/clock.ts';
import { parseWebhookEvent } from './webhookEvent.ts';
import {
  WebhookSignatureVerifier,
  type WebhookSignatureVerifierOptions,
} from './webhookSignatureVerifier.ts';

const MICROSOFT_LEAF =
  'CN=pcnotifications-dispatch.microsoft.com, O=Microsoft Corporation, L=Redmond, ST=Washington, C=US';
const DAY_MS = 86_400_000;

interface Pki {
  root: TestCertificate;
  leaf: TestCertificate;
  intermediate: TestCertificate;
  leafUnderIntermediate: TestCertificate;
  untrustedLeaf: TestCertificate;
  contosoLeaf: TestCertificate;
  expiredLeaf: TestCertificate;
}

let pki: Pki;
let certificates: CertificateServer;
let origin: string;
let requestedPaths: string[];

beforeAll(async () => {
  certificates = await startCertificateServer();
  origin = certificates.origin;
  requestedPaths = certificates.requestedPaths;
  const root = certificates.root;
  const otherRoot = await createRootCa('CN=Somebody Else Root, O=Fabrikam');
  const intermediate = await issueCertificate(root, {
    subject: 'CN=Test Issuing CA 07, O=Microsoft Corporation',
    isCa: true,
  });
  pki = {
    root,
    intermediate,
    leaf: certificates.leaf,
    leafUnderIntermediate: await issueCertificate(intermediate, { subject: MICROSOFT_LEAF }),
    untrustedLeaf: await issueCertificate(otherRoot, { subject: MICROSOFT_LEAF }),
    // chains to the trusted root, so only the organisation check can refuse it
    contosoLeaf: await issueCertificate(root, { subject: 'CN=webhooks.contoso.example, O=Contoso Ltd' }),
    expiredLeaf: await issueCertificate(root, {
      subject: MICROSOFT_LEAF,
      notBefore: new Date(Date.now() - 30 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    }),
  };
});

afterAll(async () => {
  await certificates?.close();
});

beforeEach(() => {
  requestedPaths.length = 0;
});

function verifier(options: WebhookSignatureVerifierOptions = {}): WebhookSignatureVerifier {
  return new WebhookSignatureVerifier({
    allowedCertificateHosts: [new URL(origin).host],
    trustedRootsPem: [pki.root.certPem],
    dispatcher: certificates.dispatcher,
    ...options,
  });
}

const serve: CertificateServer['serve'] = (path, body, status, headers) =>
  certificates.serve(path, body, status, headers);

const body = Buffer.from(
  JSON.stringify({
    EventName: 'referral-updated',
    ResourceUri:
      'https://api.partnercenter.microsoft.com/engagements/v1/referrals/7d3c1a52-9b1e-4f0e-a6c1-3e2f4b5a6c70',
    ResourceName: 'referral',
    AuditUri: null,
    ResourceChangeUtcDate: '2026-03-02T09:15:41.9876543+00:00',
  }),
);

const signedHeaders = (signer: TestCertificate, certificateUrl: string, payload: Buffer = body) =>
  signedDeliveryHeaders(signer, certificateUrl, payload);

describe('WebhookSignatureVerifier', () => {
  it('accepts a delivery signed by a trusted Microsoft certificate and extracts the referral id', async () => {
    const url = serve('/cert/valid.cer', pki.leaf.certDer);
    const result = await verifier().verify({ headers: signedHeaders(pki.leaf, url), rawBody: body });
    expect(result).toMatchObject({
      ok: true,
      event: {
        eventName: 'referral-updated',
        resourceName: 'referral',
        referralId: '7d3c1a52-9b1e-4f0e-a6c1-3e2f4b5a6c70',
        resourceChangeUtcDate: '2026-03-02T09:15:41.987Z',
      },
    });
  });

  it('accepts the signature in x-ms-signature, with or without the Signature prefix, and a PEM certificate', async () => {
    const url = serve('/cert/valid.pem', Buffer.from(pki.leaf.certPem));
    const signature = signBody(pki.leaf.keyPem, body);
    const headers = { 'x-ms-certificate-url': url, 'x-ms-signature-algorithm': 'RSA-SHA256' };
    const check = verifier();
    expect(
      (await check.verify({ headers: { ...headers, 'x-ms-signature': signature }, rawBody: body })).ok,
    ).toBe(true);
    expect(
      (
        await check.verify({
          headers: { ...headers, 'X-MS-Signature': `Signature ${signature}` },
          rawBody: body,
        })
      ).ok,
    ).toBe(true);
  });

  it('builds the chain through an intermediate shipped in the PEM bundle', async () => {
    const url = serve(
      '/cert/bundle.pem',
      Buffer.from(pki.leafUnderIntermediate.certPem + pki.intermediate.certPem),
    );
    const result = await verifier().verify({
      headers: signedHeaders(pki.leafUnderIntermediate, url),
      rawBody: body,
    });
    expect(result.ok).toBe(true);
    const leafOnly = serve('/cert/leaf-only.cer', pki.leafUnderIntermediate.certDer);
    const withoutIntermediate = await verifier().verify({
      headers: signedHeaders(pki.leafUnderIntermediate, leafOnly),
      rawBody: body,
    });
    expect(withoutIntermediate).toMatchObject({ ok: false, error: { code: 'untrusted_certificate' } });
    const configured = await verifier({ intermediatesPem: [pki.intermediate.certPem] }).verify({
      headers: signedHeaders(pki.leafUnderIntermediate, leafOnly),
      rawBody: body,
    });
    expect(configured.ok).toBe(true);
  });

  it('fetches a missing intermediate from its AIA caIssuers URL, only on an allow-listed issuer host', async () => {
    serve('/ca/issuing-07.cer', pki.intermediate.certDer);
    const aiaLeaf = await issueCertificate(pki.intermediate, {
      subject: MICROSOFT_LEAF,
      caIssuersUrl: `${origin}/ca/issuing-07.cer`,
    });
    const url = serve('/cert/aia-leaf.cer', aiaLeaf.certDer);
    const notAllowed = await verifier().verify({ headers: signedHeaders(aiaLeaf, url), rawBody: body });
    expect(notAllowed).toMatchObject({ ok: false, error: { code: 'untrusted_certificate' } });
    expect(requestedPaths).toEqual(['/cert/aia-leaf.cer']);

    const allowed = await verifier({ issuerCertificateHosts: [new URL(origin).host] }).verify({
      headers: signedHeaders(aiaLeaf, url),
      rawBody: body,
    });
    expect(allowed.ok).toBe(true);
    expect(requestedPaths).toContain('/ca/issuing-07.cer');
  });

  it('gives up on a certificate server that does not answer in time', async () => {
    const url = `${origin}/slow/never-answers.cer`;
    const result = await verifier({ certificateFetchTimeoutMs: 300 }).verify({
      headers: signedHeaders(pki.leaf, url),
      rawBody: body,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'certificate_fetch_failed', httpStatus: 503 } });
    if (!result.ok) expect(result.error.message).toContain('no answer within 300 ms');
  });

  it('rejects a tampered body', async () => {
    const url = serve('/cert/valid.cer', pki.leaf.certDer);
    const tampered = Buffer.from(body.toString('utf8').replace('referral-updated', 'referral-created'));
    const result = await verifier().verify({ headers: signedHeaders(pki.leaf, url), rawBody: tampered });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_signature', httpStatus: 401 } });
    if (!result.ok) expect(result.error.message).toMatch(/altered/);
  });

  it('rejects a wrong algorithm without fetching the certificate', async () => {
    const url = serve('/cert/valid.cer', pki.leaf.certDer);
    const headers = { ...signedHeaders(pki.leaf, url), 'x-ms-signature-algorithm': 'rsa-sha1' };
    const result = await verifier().verify({ headers, rawBody: body });
    expect(result).toMatchObject({ ok: false, error: { code: 'unsupported_algorithm' } });
    expect(requestedPaths).toEqual([]);
  });

  it('rejects a certificate that does not chain to a trusted root', async () => {
    const url = serve('/cert/untrusted.cer', pki.untrustedLeaf.certDer);
    const result = await verifier().verify({ headers: signedHeaders(pki.untrustedLeaf, url), rawBody: body });
    expect(result).toMatchObject({ ok: false, error: { code: 'untrusted_certificate', httpStatus: 401 } });
  });

  it('rejects a trusted certificate of another organisation', async () => {
    const url = serve('/cert/contoso.cer', pki.contosoLeaf.certDer);
    const result = await verifier().verify({ headers: signedHeaders(pki.contosoLeaf, url), rawBody: body });
    expect(result).toMatchObject({ ok: false, error: { code: 'wrong_organization' } });
    if (!result.ok) expect(result.error.message).toContain('Contoso Ltd');
  });

  it('rejects an expired certificate', async () => {
    const url = serve('/cert/expired.cer', pki.expiredLeaf.certDer);
    const result = await verifier().verify({ headers: signedHeaders(pki.expiredLeaf, url), rawBody: body });
    expect(result).toMatchObject({ ok: false, error: { code: 'certificate_expired' } });
  });

  it('rejects a non-HTTPS or non-allow-listed certificate URL without any request', async () => {
    serve('/cert/valid.cer', pki.leaf.certDer);
    const plainHttp = `http://${new URL(origin).host}/cert/valid.cer`;
    const otherHost = `https://localhost:${new URL(origin).port}/cert/valid.cer`;
    const otherPort = `https://127.0.0.1:1/cert/valid.cer`;
    const check = verifier();
    expect(await check.verify({ headers: signedHeaders(pki.leaf, plainHttp), rawBody: body })).toMatchObject({
      ok: false,
      error: { code: 'certificate_url_not_https' },
    });
    for (const url of [otherHost, otherPort, 'https://evil.example/cert/valid.cer']) {
      expect(await check.verify({ headers: signedHeaders(pki.leaf, url), rawBody: body })).toMatchObject({
        ok: false,
        error: { code: 'certificate_url_not_allowed' },
      });
    }
    const defaults = new WebhookSignatureVerifier({
      trustedRootsPem: [pki.root.certPem],
      dispatcher: certificates.dispatcher,
    });
    expect(
      await defaults.verify({ headers: signedHeaders(pki.leaf, `${origin}/cert/valid.cer`), rawBody: body }),
    ).toMatchObject({
      ok: false,
      error: { code: 'certificate_url_not_allowed' },
    });
    expect(requestedPaths).toEqual([]);
  });

  it('refuses redirects and oversized certificates, reporting a fetch failure', async () => {
    const redirect = serve('/cert/moved.cer', Buffer.alloc(0), 302, { location: `${origin}/cert/valid.cer` });
    serve('/cert/valid.cer', pki.leaf.certDer);
    const check = verifier();
    const redirected = await check.verify({ headers: signedHeaders(pki.leaf, redirect), rawBody: body });
    expect(redirected).toMatchObject({
      ok: false,
      error: { code: 'certificate_fetch_failed', httpStatus: 503 },
    });
    expect(requestedPaths).toEqual(['/cert/moved.cer']);
    const huge = serve('/cert/huge.cer', Buffer.alloc(64 * 1024, 0x41));
    const oversized = await check.verify({ headers: signedHeaders(pki.leaf, huge), rawBody: body });
    expect(oversized).toMatchObject({ ok: false, error: { code: 'certificate_fetch_failed' } });
    if (!oversized.ok) expect(oversized.error.message).toContain('larger than');
  });

  it('downloads a certificate once and reuses it for later deliveries', async () => {
    const url = serve('/cert/cached.cer', pki.leaf.certDer);
    const check = verifier();
    const deliveries = await Promise.all(
      [1, 2, 3].map(() => check.verify({ headers: signedHeaders(pki.leaf, url), rawBody: body })),
    );
    expect(deliveries.every((result) => result.ok)).toBe(true);
    expect((await check.verify({ headers: signedHeaders(pki.leaf, url), rawBody: body })).ok).toBe(true);
    expect(requestedPaths).toEqual(['/cert/cached.cer']);
  });

  it("trusts a checked chain for a while, never past the signing certificate's expiry", async () => {
    const clock = new ManualClock(new Date());
    const shortLived = await issueCertificate(pki.root, {
      subject: MICROSOFT_LEAF,
      notBefore: new Date(clock.now().getTime() - DAY_MS),
      notAfter: new Date(clock.now().getTime() + 2 * 60_000),
    });
    const url = serve('/cert/short-lived.cer', shortLived.certDer);
    const check = verifier({ clock });
    expect((await check.verify({ headers: signedHeaders(shortLived, url), rawBody: body })).ok).toBe(true);
    clock.advance(60_000);
    expect((await check.verify({ headers: signedHeaders(shortLived, url), rawBody: body })).ok).toBe(true);
    // Still downloaded once (the certificate cache), but its chain is checked again once it has expired.
    clock.advance(2 * 60_000);
    const expired = await check.verify({ headers: signedHeaders(shortLived, url), rawBody: body });
    expect(expired).toMatchObject({ ok: false, error: { code: 'certificate_expired' } });
    expect(requestedPaths).toEqual(['/cert/short-lived.cer']);
  });

  it('names each missing header', async () => {
    const url = serve('/cert/valid.cer', pki.leaf.certDer);
    const full = signedHeaders(pki.leaf, url);
    const check = verifier();
    const { authorization: _a, ...noSignature } = full;
    const { 'x-ms-certificate-url': _c, ...noCertificate } = full;
    const { 'x-ms-signature-algorithm': _s, ...noAlgorithm } = full;
    expect(await check.verify({ headers: noSignature, rawBody: body })).toMatchObject({
      error: { code: 'missing_signature' },
    });
    expect(
      await check.verify({ headers: { ...noSignature, authorization: 'Bearer abc' }, rawBody: body }),
    ).toMatchObject({
      error: { code: 'missing_signature' },
    });
    expect(await check.verify({ headers: noCertificate, rawBody: body })).toMatchObject({
      error: { code: 'missing_certificate_url' },
    });
    expect(await check.verify({ headers: noAlgorithm, rawBody: body })).toMatchObject({
      error: { code: 'missing_algorithm' },
    });
    expect(requestedPaths).toEqual([]);
  });
});

describe('parseWebhookEvent', () => {
  it('reads camelCase bodies and test events, and never treats a test id as a referral id', () => {
    const camel = parseWebhookEvent(
      JSON.stringify({
        eventName: 'related-referral-created',
        resourceUri: 'https://api.partnercenter.microsoft.com/engagements/v1/referrals/abc-123?x=1',
        resourceName: 'referral',
        resourceChangeUtcDate: '2026-01-01T00:00:00Z',
      }),
    );
    expect(camel).toMatchObject({
      ok: true,
      value: { eventName: 'related-referral-created', referralId: 'abc-123' },
    });
    const test = parseWebhookEvent(
      JSON.stringify({
        EventName: 'test-created',
        ResourceUri:
          'https://api.partnercenter.microsoft.com/webhooks/v1/registration/validationEvents/c0ffee',
        ResourceName: 'test',
      }),
    );
    expect(test).toMatchObject({ ok: true, value: { resourceId: 'c0ffee', referralId: null } });
    expect(parseWebhookEvent('not json')).toMatchObject({ ok: false, error: { code: 'invalid_event' } });
    expect(parseWebhookEvent('{"ResourceName":"referral"}')).toMatchObject({
      ok: false,
      error: { code: 'invalid_event' },
    });
  });
});
