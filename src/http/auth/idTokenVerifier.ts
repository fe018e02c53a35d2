/**
 * Checks an OpenID Connect id token the way the relying party must before believing it: an RS256 signature
 * by a key the issuer publishes (JWKS), the exact issuer, our client id as audience, not expired (small clock
 * skew allowed), and the nonce this browser's sign-in sent. Pure: keys, clock and expectations come in.
 */
import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { fail, ok, type Result } from '../../shared/result.ts';

export interface IdTokenExpectations {
  issuer: string;
  audience: string;
  nonce: string;
  nowSeconds: number;
  /** The issuer's signing keys (its JWKS `keys`). */
  keys: readonly JsonWebKey[];
  clockSkewSeconds?: number;
}

export interface IdTokenClaims {
  iss: string;
  aud: string;
  exp: number;
  tid: string | null;
  oid: string | null;
  sub: string;
  name: string | null;
  /** preferred_username, else upn, else email: the account's sign-in name. */
  username: string | null;
  groups: string[];
}

export type IdTokenProblem =
  | 'malformed'
  | 'unknown_key'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_nonce';

const DEFAULT_SKEW_SECONDS = 300;

function decodePart(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The key that signed the token: the one its header names, or the only RSA signing key when it names none. */
function signingKey(keys: readonly JsonWebKey[], kid: string | null): JsonWebKey | undefined {
  const usable = keys.filter(
    (key) => key.kty === 'RSA' && (key['use'] === undefined || key['use'] === 'sig'),
  );
  return kid === null
    ? usable.length === 1
      ? usable[0]
      : undefined
    : usable.find((key) => key['kid'] === kid);
}

export interface IdTokenRefusal {
  code: IdTokenProblem;
  message: string;
  /** For a signed token of another issuer: the tenant and account it names (the signature is Microsoft's). */
  signedBy?: { tenantId: string | null; username: string | null };
}

export function verifyIdToken(
  token: string,
  expected: IdTokenExpectations,
): Result<IdTokenClaims, IdTokenRefusal> {
  const problem = (code: IdTokenProblem, message: string) => fail({ code, message });
  const parts = token.split('.');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = decodePart(headerPart);
  const payload = decodePart(payloadPart);
  if (parts.length !== 3 || !header || !payload) return problem('malformed', 'the id token is not a JWT');
  if (header['alg'] !== 'RS256')
    return problem('malformed', `the id token is signed with ${String(header['alg'])}, not RS256`);
  const jwk = signingKey(expected.keys, text(header['kid']));
  if (!jwk) return problem('unknown_key', 'the id token is signed with a key the issuer does not publish');
  const signed = verify(
    'sha256',
    Buffer.from(`${headerPart}.${payloadPart}`),
    createPublicKey({ key: jwk, format: 'jwk' }),
    Buffer.from(signaturePart, 'base64url'),
  );
  if (!signed) return problem('bad_signature', 'the id token signature does not verify');
  const username = text(payload['preferred_username']) ?? text(payload['upn']) ?? text(payload['email']);
  if (payload['iss'] !== expected.issuer)
    return fail({
      code: 'wrong_issuer',
      message: `the id token was issued by ${String(payload['iss'])}, not ${expected.issuer}`,
      signedBy: { tenantId: text(payload['tid']), username },
    });
  const audiences = Array.isArray(payload['aud']) ? payload['aud'] : [payload['aud']];
  if (!audiences.includes(expected.audience))
    return problem('wrong_audience', 'the id token was issued to another application');
  const skew = expected.clockSkewSeconds ?? DEFAULT_SKEW_SECONDS;
  const exp = payload['exp'];
  if (typeof exp !== 'number' || exp + skew <= expected.nowSeconds)
    return problem('expired', 'the id token has expired');
  const nbf = payload['nbf'];
  if (typeof nbf === 'number' && nbf - skew > expected.nowSeconds)
    return problem('not_yet_valid', 'the id token is not valid yet (check this machine’s clock)');
  if (payload['nonce'] !== expected.nonce)
    return problem('wrong_nonce', 'the id token does not belong to this sign-in (nonce)');
  const sub = text(payload['sub']);
  if (!sub) return problem('malformed', 'the id token names no subject');
  const groups = Array.isArray(payload['groups'])
    ? payload['groups'].filter((group): group is string => typeof group === 'string')
    : [];
  return ok({
    iss: expected.issuer,
    aud: expected.audience,
    exp,
    tid: text(payload['tid']),
    oid: text(payload['oid']),
    sub,
    name: text(payload['name']),
    username,
    groups,
  });
}
