/**
 * Decides whether an `X-MS-Certificate-Url` may be fetched at all. The header is attacker-controlled,
 * so only HTTPS URLs on an allow-listed host (and port) pass, without credentials in the URL.
 */

/** Where Partner Center publishes its webhook signing certificate (the documented example host). */
export const DEFAULT_CERTIFICATE_HOSTS = [
  '3psostorageacct.blob.core.windows.net',
  'pcnotifications-dispatch.microsoft.com',
] as const;

/** Where Microsoft's issuing CAs publish their certificates (the AIA caIssuers URLs in Microsoft leaves). */
export const DEFAULT_ISSUER_CERTIFICATE_HOSTS = [
  'www.microsoft.com',
  'caissuers.microsoft.com',
  'cacerts.digicert.com',
] as const;

export type CertificateUrlDecision =
  | { ok: true; url: URL }
  | { ok: false; error: { code: string; message: string } };

/**
 * `allowedHosts` entries are `host` (default port only), `host:port`, or `*.domain[:port]` (any
 * subdomain, not the domain itself). Host names compare case-insensitively. `allowHttp` is for issuer
 * (AIA) certificates, which are verified by signature and so need no transport security.
 */
export function checkCertificateUrl(
  rawUrl: string,
  allowedHosts: readonly string[],
  options: { allowHttp?: boolean } = {},
): CertificateUrlDecision {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return refuse('certificate_url_invalid', 'The X-MS-Certificate-Url header is not a valid URL.');
  }
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) {
    return refuse(
      'certificate_url_not_https',
      `The signing certificate URL must use HTTPS (got ${url.protocol.replace(':', '')}); the delivery was rejected without fetching it.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    return refuse(
      'certificate_url_not_allowed',
      'The signing certificate URL carries credentials; it was not fetched.',
    );
  }
  const host = url.hostname.toLowerCase();
  const port = url.port === '' ? (url.protocol === 'http:' ? '80' : '443') : url.port;
  if (
    !allowedHosts.some((pattern) => hostMatches(pattern, host, port, url.protocol === 'http:' ? '80' : '443'))
  ) {
    return refuse(
      'certificate_url_not_allowed',
      `The certificate host ${url.host} is not on the allow list; the delivery was rejected without fetching it. ` +
        'If Partner Center moved its certificate, add the host to partnerCenter.webhook.certificateHosts in the config.',
    );
  }
  return { ok: true, url };
}

function hostMatches(pattern: string, host: string, port: string, defaultPort: string): boolean {
  const trimmed = pattern.trim().toLowerCase();
  const bracketEnd = trimmed.lastIndexOf(']');
  const colon = trimmed.lastIndexOf(':');
  const hasPort = colon > bracketEnd && colon > 0 && /^\d+$/.test(trimmed.slice(colon + 1));
  const patternHost = hasPort ? trimmed.slice(0, colon) : trimmed;
  const patternPort = hasPort ? trimmed.slice(colon + 1) : defaultPort;
  if (patternPort !== port) return false;
  if (patternHost.startsWith('*.')) {
    const suffix = patternHost.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return patternHost === host;
}

function refuse(code: string, message: string): CertificateUrlDecision {
  return { ok: false, error: { code, message } };
}
