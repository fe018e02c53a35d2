/**
 * Checks that a signing certificate chains to a trusted root: each link is issued by the next
 * (names and key identifiers) and signed by its key, every certificate in the path is within its
 * validity dates, and intermediates are CA certificates. Intermediates come from the downloaded
 * bundle or from configuration; roots only from configuration (the system store by default).
 */
import type { X509Certificate } from 'node:crypto';

export type ChainCheck =
  | { ok: true }
  | {
      ok: false;
      error: { code: string; message: string };
      /** When no issuer was found: the certificate whose issuer is missing (fetch it via AIA and retry). */
      missingIssuerOf?: X509Certificate;
    };

const MAX_CHAIN_LENGTH = 6;

export function verifyCertificateChain(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  at: Date,
): ChainCheck {
  let current = leaf;
  const used = new Set<X509Certificate>();
  for (let depth = 0; depth < MAX_CHAIN_LENGTH; depth += 1) {
    const dates = checkDates(current, at, depth === 0 ? 'signing certificate' : 'intermediate certificate');
    if (!dates.ok) return dates;
    const root = roots.find((candidate) => issued(candidate, current));
    if (root) return checkDates(root, at, 'root certificate');
    const next = intermediates.find(
      (candidate) => candidate.ca && !used.has(candidate) && issued(candidate, current),
    );
    if (!next) break;
    used.add(next);
    current = next;
  }
  return {
    ok: false,
    missingIssuerOf: current,
    error: {
      code: 'untrusted_certificate',
      message:
        `The signing certificate (${commonName(leaf)}, issued by ${commonName(current, 'issuer')}) does not chain to a trusted root; ` +
        'the delivery was rejected. In sandbox mode, configure the emulator CA as a trusted root.',
    },
  };
}

function issued(issuer: X509Certificate, subject: X509Certificate): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function checkDates(certificate: X509Certificate, at: Date, role: string): ChainCheck {
  const fromMs = Date.parse(certificate.validFrom);
  const toMs = Date.parse(certificate.validTo);
  if (Number.isNaN(fromMs) || at.getTime() < fromMs) {
    return {
      ok: false,
      error: {
        code: 'certificate_not_yet_valid',
        message: `The ${role} (${commonName(certificate)}) is not valid before ${certificate.validFrom}.`,
      },
    };
  }
  if (Number.isNaN(toMs) || at.getTime() > toMs) {
    return {
      ok: false,
      error: {
        code: 'certificate_expired',
        message: `The ${role} (${commonName(certificate)}) expired on ${certificate.validTo}.`,
      },
    };
  }
  return { ok: true };
}

/** The values of one attribute (`O`, `CN`, …) in a certificate's subject or issuer. */
export function nameAttribute(
  certificate: X509Certificate,
  part: 'subject' | 'issuer',
  attribute: string,
): string[] {
  return certificate[part]
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.toUpperCase().startsWith(`${attribute.toUpperCase()}=`))
    .map((line) => line.slice(attribute.length + 1));
}

function commonName(certificate: X509Certificate, part: 'subject' | 'issuer' = 'subject'): string {
  return nameAttribute(certificate, part, 'CN')[0] ?? certificate[part].replace(/\n/g, ', ');
}

/** The caIssuers URLs of a certificate's Authority Information Access extension. */
export function caIssuersUrls(certificate: X509Certificate): string[] {
  return (certificate.infoAccess ?? '')
    .split('\n')
    .map((line) => /^CA Issuers - URI:(\S+)$/i.exec(line.trim())?.[1])
    .filter((url): url is string => url !== undefined);
}
