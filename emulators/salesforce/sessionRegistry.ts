/** Access and refresh tokens. Access tokens expire after the session TTL on the emulator clock. */
import { randomBytes } from 'node:crypto';
import { SalesforceApiError } from './salesforceApiError.ts';
import type { SalesforceOrg } from './salesforceOrg.ts';

export interface Session {
  userId: string;
  token: string;
}

export class SessionRegistry {
  constructor(
    private readonly org: SalesforceOrg,
    private readonly sessionTtlSeconds: number,
  ) {}

  /** Real tokens look like `00D…!AQ…`: never three dot-separated parts, so jsforce's SOAP path accepts them. */
  private newToken(marker: string): string {
    return `${this.org.state.orgId.slice(0, 15)}!${marker}${randomBytes(48).toString('base64url')}`;
  }

  /** `jwt`: a JWT-based access token, as an External Client App issues when that option is on. */
  issueAccessToken(userId: string, refreshToken: string | null, options: { jwt?: boolean } = {}): string {
    this.forgetExpired();
    const token = options.jwt ? this.newJwtToken(userId) : this.newToken('AQ');
    this.org.state.sessions[token] = {
      userId,
      issuedAtMs: this.org.now().getTime(),
      expired: false,
      refreshToken,
    };
    this.org.changed();
    return token;
  }

  private newJwtToken(userId: string): string {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const header = part({ alg: 'RS256', typ: 'JWT', tnk: 'core/prod/00D' });
    const claims = part({
      sub: userId,
      iat: Math.floor(this.org.now().getTime() / 1000),
      jti: randomBytes(8).toString('hex'),
    });
    return `${header}.${claims}.${randomBytes(64).toString('base64url')}`;
  }

  issueRefreshToken(userId: string, clientId: string): string {
    const token = `5Aep861${randomBytes(40).toString('base64url')}`;
    this.org.state.refreshTokens[token] = { userId, clientId };
    this.org.changed();
    return token;
  }

  /** The session for a token, or a 401 INVALID_SESSION_ID (what makes jsforce refresh). */
  authenticate(token: string | undefined): Session {
    const row = token ? this.org.state.sessions[token] : undefined;
    if (!token || !row || this.isExpired(row)) {
      throw new SalesforceApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    }
    return { userId: row.userId, token };
  }

  private isExpired(row: { issuedAtMs: number; expired: boolean }): boolean {
    return row.expired || this.org.now().getTime() >= row.issuedAtMs + this.sessionTtlSeconds * 1000;
  }

  /** Drops expired sessions so a long-running sandbox's state file does not grow without bound. */
  private forgetExpired(): void {
    for (const [token, row] of Object.entries(this.org.state.sessions)) {
      if (this.isExpired(row)) delete this.org.state.sessions[token];
    }
  }

  expireAll(): number {
    const rows = Object.values(this.org.state.sessions);
    for (const row of rows) row.expired = true;
    this.org.changed();
    return rows.length;
  }

  /** Revokes an access token, or a refresh token together with the access tokens minted from it. */
  revoke(token: string): boolean {
    const { sessions, refreshTokens } = this.org.state;
    let revoked = false;
    if (sessions[token]) {
      delete sessions[token];
      revoked = true;
    }
    if (refreshTokens[token]) {
      delete refreshTokens[token];
      for (const [accessToken, row] of Object.entries(sessions)) {
        if (row.refreshToken === token) delete sessions[accessToken];
      }
      revoked = true;
    }
    if (revoked) this.org.changed();
    return revoked;
  }
}

/** The bearer token of a request: `Authorization: Bearer|OAuth <token>`, else `?oauth_token=`. */
export function bearerToken(authorization: string | undefined, query: unknown): string | undefined {
  const match = authorization ? /^(?:Bearer|OAuth)\s+(.+)$/i.exec(authorization.trim()) : null;
  if (match?.[1]) return match[1];
  if (query && typeof query === 'object' && 'oauth_token' in query) {
    const value = (query as Record<string, unknown>)['oauth_token'];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/** JWT-based access tokens have three dot-separated parts; classic session ids look like `00D…!AQ…`. */
export function isJwtShaped(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}
