import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import type { Clock } from '../../src/shared/clock.ts';
import type { Result } from '../../src/shared/result.ts';
import { fail, ok } from '../../src/shared/result.ts';

export type JwtClaims = Record<string, unknown> & { exp?: number; aud?: string };

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs and verifies RS256 JWTs with the emulator's key, and publishes that key as a JWKS. */
export class TokenIssuer {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly keyId: string;
  /** Every token carries its issue number (`emu_seq`); those numbered up to `validFrom` read as expired. */
  private issued = 0;
  private validFrom = 0;

  constructor(
    private readonly clock: Clock,
    keyId: string,
    privateKeyPem?: string,
  ) {
    if (privateKeyPem) {
      this.privateKey = createPrivateKey(privateKeyPem);
    } else {
      this.privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    }
    this.publicKey = createPublicKey(this.privateKey);
    this.keyId = keyId;
  }

  sign(claims: JwtClaims): string {
    const header = base64UrlJson({ typ: 'JWT', alg: 'RS256', kid: this.keyId });
    this.issued += 1;
    const payload = base64UrlJson({ ...claims, emu_seq: this.issued });
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), this.privateKey).toString(
      'base64url',
    );
    return `${header}.${payload}.${signature}`;
  }

  /** Checks signature, expiry and (when given) audience; returns the claims. */
  verify(token: string, audiences?: readonly string[]): Result<JwtClaims> {
    const parts = token.split('.');
    if (parts.length !== 3) return fail({ code: 'malformed', message: 'The token is not a JWT.' });
    const [header = '', payload = '', signature = ''] = parts;
    const valid = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      this.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) return fail({ code: 'bad_signature', message: 'The token signature is invalid.' });
    let claims: JwtClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JwtClaims;
    } catch {
      return fail({ code: 'malformed', message: 'The token payload is not JSON.' });
    }
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) {
      return fail({
        code: 'expired',
        message: 'The access token has expired. Acquire a new token and retry.',
      });
    }
    if (typeof claims['emu_seq'] === 'number' && claims['emu_seq'] <= this.validFrom) {
      return fail({
        code: 'expired',
        message: 'The access token has expired. Acquire a new token and retry.',
      });
    }
    if (audiences && (typeof claims.aud !== 'string' || !audiences.includes(claims.aud))) {
      return fail({
        code: 'wrong_audience',
        message: `The token audience is not valid for this API (expected ${audiences.join(' or ')}).`,
      });
    }
    return ok(claims);
  }

  /** Expires every token issued so far (an expired session as the client sees it); returns how many. */
  expireIssued(): number {
    const expired = this.issued - this.validFrom;
    this.validFrom = this.issued;
    return expired;
  }

  jwks(): { keys: Record<string, unknown>[] } {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ ...jwk, kid: this.keyId, use: 'sig', alg: 'RS256' }] };
  }
}
