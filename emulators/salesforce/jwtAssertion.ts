/** Verification of the JWT bearer flow's assertion (RS256, signed with the key of the registered certificate). */
import { verify, X509Certificate } from 'node:crypto';
import { fail, ok, type Result } from '../../src/shared/result.ts';

export interface JwtCheck {
  certificatePem: string | null;
  clientId: string;
  audiences: string[];
  nowMs: number;
}

function decodeJson(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Returns the `sub` (username) of a valid assertion, or the OAuth error description. */
export function verifyJwtAssertion(assertion: string, check: JwtCheck): Result<{ username: string }> {
  const invalid = (message: string) => fail({ code: 'invalid_grant', message: message });
  const parts = assertion.split('.');
  if (parts.length !== 3) return invalid('invalid assertion');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  if (!header || !claims) return invalid('invalid assertion');
  if (header['alg'] !== 'RS256') return invalid('invalid assertion: only RS256 is supported');
  if (!check.certificatePem)
    return fail({
      code: 'invalid_client',
      message: 'invalid client credentials: no certificate is registered for this connected app',
    });
  let signatureValid = false;
  try {
    const publicKey = new X509Certificate(check.certificatePem).publicKey;
    signatureValid = verify(
      'RSA-SHA256',
      Buffer.from(`${headerPart}.${payloadPart}`),
      publicKey,
      Buffer.from(signaturePart, 'base64url'),
    );
  } catch {
    signatureValid = false;
  }
  if (!signatureValid)
    return invalid('invalid assertion: signature does not match the registered certificate');
  if (claims['iss'] !== check.clientId)
    return fail({ code: 'invalid_client_id', message: 'client identifier invalid' });
  const audience = claims['aud'];
  const audiences = Array.isArray(audience) ? audience : [audience];
  if (
    !audiences.some(
      (candidate) => typeof candidate === 'string' && check.audiences.includes(candidate.replace(/\/$/, '')),
    )
  ) {
    return invalid('audience is invalid');
  }
  const exp = claims['exp'];
  if (typeof exp !== 'number' || exp * 1000 <= check.nowMs) return invalid('expired authorization code');
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub === '') return invalid('invalid assertion: sub is missing');
  return ok({ username: sub });
}
