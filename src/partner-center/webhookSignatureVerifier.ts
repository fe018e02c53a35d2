/**
 * Verifies a Partner Center webhook delivery the way Partner Center signs it: the signature header
 * (`Authorization: Signature <base64>` or `x-ms-signature`), `x-ms-signature-algorithm: rsa-sha256`
 * and `x-ms-certificate-url`. The certificate URL must be HTTPS on an allow-listed host (checked
 * before any request); the certificate must chain to a trusted root, be in date and belong to the
 * required organisation; and the RSA-SHA256 PKCS#1 v1.5 signature must match the raw body bytes.
 * Only then is the body parsed.
 */
import { constants, verify as cryptoVerify, type X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { Dispatcher } from 'undici';
import type { Clock } from '../shared/clock.ts';
import { systemClock } from '../shared/clock.ts';
import { type ChainCheck, caIssuersUrls, nameAttribute, verifyCertificateChain } from './certificateChain.ts';
import { CertificateFetcher, parseCertificates } from './certificateFetcher.ts';
import {
  checkCertificateUrl,
  DEFAULT_CERTIFICATE_HOSTS,
  DEFAULT_ISSUER_CERTIFICATE_HOSTS,
} from './certificateUrlPolicy.ts';
import { type PcWebhookEvent, parseWebhookEvent } from './webhookEvent.ts';

export interface WebhookSignatureVerifierOptions {
  /** Hosts the certificate may come from: `host`, `host:port` or `*.domain`. Default: Partner Center's. */
  allowedCertificateHosts?: readonly string[];
  /** PEM roots to trust. Default: the system roots Node ships (node:tls rootCertificates). */
  trustedRootsPem?: readonly string[];
  /** PEM intermediates to use when the downloaded certificate comes without them. */
  intermediatesPem?: readonly string[];
  /**
   * Hosts from which a missing intermediate may be fetched through the certificate's AIA caIssuers URL
   * (HTTP allowed: the fetched certificate must itself chain to a trusted root). Default: Microsoft's
   * and DigiCert's CA hosts. An empty list turns AIA fetching off.
   */
  issuerCertificateHosts?: readonly string[];
  /**
   * The organisation (O=) the signing certificate's subject must name (its issuer's, when the subject names
   * none). Default `Microsoft Corporation`.
   */
  requiredOrganization?: string;
  certificateFetchTimeoutMs?: number;
  maxCertificateBytes?: number;
  certificateCacheTtlMs?: number;
  /** Certificate downloads of different URLs at once (default 4); more deliveries get 503 and are retried. */
  maxConcurrentCertificateDownloads?: number;
  /** For the certificate download, e.g. an undici Agent trusting the emulator's TLS CA. */
  dispatcher?: Dispatcher;
  clock?: Clock;
}

export interface WebhookVerificationError {
  code: string;
  message: string;
  /** What to answer the sender: 400 malformed, 401 not authentic, 503 could not check now. */
  httpStatus: 400 | 401 | 503;
}

export type WebhookVerificationResult =
  | { ok: true; event: PcWebhookEvent; certificateUrl: string }
  | { ok: false; error: WebhookVerificationError };

const MAX_ISSUER_FETCHES = 3;
/**
 * How long a signing certificate whose chain checked out is trusted without checking the chain again (never past
 * its own expiry). Checking the chain means a signature check per link and an issuer lookup among every trusted
 * root; a burst of deliveries carries the same certificate, whose chain need not be checked once per delivery.
 */
const TRUSTED_CHAIN_MS = 10 * 60_000;

export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface WebhookDelivery {
  headers: WebhookHeaders;
  /** The body exactly as received: the signature covers these bytes. */
  rawBody: Buffer;
}

export class WebhookSignatureVerifier {
  private readonly allowedHosts: readonly string[];
  private readonly issuerHosts: readonly string[];
  private readonly roots: X509Certificate[];
  private readonly intermediates: X509Certificate[];
  private readonly requiredOrganization: string;
  private readonly fetcher: CertificateFetcher;
  private readonly clock: Clock;
  /** Signing certificates (the fetcher's cached objects) whose chain checked out, with when to check it again. */
  private readonly trustedUntil = new WeakMap<X509Certificate, number>();

  constructor(options: WebhookSignatureVerifierOptions = {}) {
    this.allowedHosts = options.allowedCertificateHosts ?? DEFAULT_CERTIFICATE_HOSTS;
    this.issuerHosts = options.issuerCertificateHosts ?? DEFAULT_ISSUER_CERTIFICATE_HOSTS;
    this.roots = (options.trustedRootsPem ?? rootCertificates).flatMap((pem) =>
      parseCertificates(Buffer.from(pem)),
    );
    this.intermediates = (options.intermediatesPem ?? []).flatMap((pem) =>
      parseCertificates(Buffer.from(pem)),
    );
    this.requiredOrganization = options.requiredOrganization ?? 'Microsoft Corporation';
    this.clock = options.clock ?? systemClock;
    this.fetcher = new CertificateFetcher({
      ...(options.certificateFetchTimeoutMs === undefined
        ? {}
        : { timeoutMs: options.certificateFetchTimeoutMs }),
      ...(options.maxCertificateBytes === undefined ? {} : { maxBytes: options.maxCertificateBytes }),
      ...(options.certificateCacheTtlMs === undefined ? {} : { cacheTtlMs: options.certificateCacheTtlMs }),
      ...(options.maxConcurrentCertificateDownloads === undefined
        ? {}
        : { maxConcurrentDownloads: options.maxConcurrentCertificateDownloads }),
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      now: () => this.clock.now().getTime(),
    });
  }

  /**
   * The checks that need no body and no download: the signature headers are present, the algorithm is
   * rsa-sha256 and the certificate URL is allowed. The webhook route runs them before reading the body.
   */
  checkHeaders(headers: WebhookHeaders): WebhookVerificationError | null {
    const checked = this.readHeaders(headers);
    return checked.ok ? null : checked.error;
  }

  async verify(delivery: WebhookDelivery): Promise<WebhookVerificationResult> {
    const checked = this.readHeaders(delivery.headers);
    if (!checked.ok) return checked;
    const { signature, url } = checked;
    const fetched = await this.fetcher.get(url);
    if (!fetched.ok) {
      return reject(
        fetched.error.code === 'certificate_fetch_failed' ? 503 : 401,
        fetched.error.code,
        fetched.error.message,
      );
    }
    const [leaf, ...bundled] = fetched.certificates;
    if (!leaf) return reject(401, 'certificate_invalid', 'The signing certificate download was empty.');

    const nowMs = this.clock.now().getTime();
    if (nowMs >= (this.trustedUntil.get(leaf) ?? 0)) {
      const chain = await this.verifyChain(leaf, [...bundled, ...this.intermediates]);
      if (!chain.ok) return reject(401, chain.error.code, chain.error.message);
      // The chain check passed, so validTo parses (checkDates).
      this.trustedUntil.set(leaf, Math.min(nowMs + TRUSTED_CHAIN_MS, Date.parse(leaf.validTo)));
    }
    // The subject's organisation decides; a leaf naming none (domain-validated) counts when its issuer is that organisation.
    const subjectOrganizations = nameAttribute(leaf, 'subject', 'O');
    const organizations =
      subjectOrganizations.length > 0 ? subjectOrganizations : nameAttribute(leaf, 'issuer', 'O');
    if (!organizations.includes(this.requiredOrganization)) {
      return reject(
        401,
        'wrong_organization',
        `The signing certificate belongs to ${organizations.join(' / ') || 'no organisation'}, not ${this.requiredOrganization}; the delivery was rejected.`,
      );
    }
    if (leaf.publicKey.asymmetricKeyType !== 'rsa') {
      return reject(
        401,
        'unsupported_algorithm',
        'The signing certificate does not hold an RSA key, so rsa-sha256 cannot apply.',
      );
    }

    let valid = false;
    try {
      valid = cryptoVerify(
        'sha256',
        delivery.rawBody,
        { key: leaf.publicKey, padding: constants.RSA_PKCS1_PADDING },
        Buffer.from(signature, 'base64'),
      );
    } catch {
      valid = false;
    }
    if (!valid) {
      return reject(
        401,
        'invalid_signature',
        'The signature does not match the body: the body was altered or not signed by Partner Center.',
      );
    }
    const event = parseWebhookEvent(delivery.rawBody);
    if (!event.ok) return reject(400, event.error.code, event.error.message);
    return { ok: true, event: event.value, certificateUrl: url.href };
  }

  private readHeaders(
    headers: WebhookHeaders,
  ): { ok: true; signature: string; url: URL } | { ok: false; error: WebhookVerificationError } {
    const signature = readSignature(headers);
    if (signature === null) {
      return reject(
        401,
        'missing_signature',
        'The delivery carries no signature (Authorization: Signature … or x-ms-signature).',
      );
    }
    const certificateUrl = header(headers, 'x-ms-certificate-url');
    if (certificateUrl === null)
      return reject(400, 'missing_certificate_url', 'The delivery has no X-MS-Certificate-Url header.');
    const algorithm = header(headers, 'x-ms-signature-algorithm');
    if (algorithm === null)
      return reject(400, 'missing_algorithm', 'The delivery has no X-MS-Signature-Algorithm header.');
    if (algorithm.trim().toLowerCase() !== 'rsa-sha256') {
      return reject(
        401,
        'unsupported_algorithm',
        `The signature algorithm ${algorithm} is not accepted; only rsa-sha256 is.`,
      );
    }
    const decision = checkCertificateUrl(certificateUrl, this.allowedHosts);
    if (!decision.ok) return reject(401, decision.error.code, decision.error.message);
    return { ok: true, signature, url: decision.url };
  }

  /** Extends the chain through AIA caIssuers URLs on allow-listed hosts when an issuer is missing. */
  private async verifyChain(leaf: X509Certificate, pool: X509Certificate[]): Promise<ChainCheck> {
    for (let fetches = 0; ; fetches += 1) {
      const check = verifyCertificateChain(leaf, pool, this.roots, this.clock.now());
      if (check.ok || !check.missingIssuerOf || fetches >= MAX_ISSUER_FETCHES) return check;
      const issuerUrl = caIssuersUrls(check.missingIssuerOf)
        .map((url) => checkCertificateUrl(url, this.issuerHosts, { allowHttp: true }))
        .find((decision) => decision.ok);
      if (!issuerUrl?.ok) return check;
      const fetched = await this.fetcher.get(issuerUrl.url);
      const fresh = fetched.ok
        ? fetched.certificates.filter(
            (candidate) => !pool.some((known) => known.fingerprint256 === candidate.fingerprint256),
          )
        : [];
      if (fresh.length === 0) return check;
      pool.push(...fresh);
    }
  }
}

/** The base64 signature from `Authorization: Signature <b64>`, else `x-ms-signature` (its prefix tolerated). */
function readSignature(headers: WebhookHeaders): string | null {
  const authorization = header(headers, 'authorization');
  const fromAuthorization = authorization === null ? null : /^Signature\s+(\S+)$/i.exec(authorization.trim());
  if (fromAuthorization?.[1]) return fromAuthorization[1];
  const msSignature = header(headers, 'x-ms-signature');
  const fromMsSignature = msSignature === null ? null : /^(?:Signature\s+)?(\S+)$/i.exec(msSignature.trim());
  return fromMsSignature?.[1] ?? null;
}

function header(headers: WebhookHeaders, name: string): string | null {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined || first.trim() === '' ? null : first;
  }
  return null;
}

function reject(
  httpStatus: WebhookVerificationError['httpStatus'],
  code: string,
  message: string,
): { ok: false; error: WebhookVerificationError } {
  return { ok: false, error: { code, message, httpStatus } };
}
