import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../src/shared/clock.ts';
import {
  type AuthorizationRequest,
  checkAuthorizationRequest,
  type ResponseMode,
} from './authorizationRequest.ts';
import { type EmulatorUser, groupIdsOf, interactiveAmr } from './emulatorUsers.ts';
import type { TokenIssuer } from './tokenIssuer.ts';

export type { EmulatorUser } from './emulatorUsers.ts';
export { REFERRALS_ROLES, WEBHOOKS_ROLES } from './emulatorUsers.ts';

export const REFERRALS_AUDIENCE = 'https://api.partner.microsoft.com';
export const WEBHOOKS_AUDIENCE = 'https://api.partnercenter.microsoft.com';

/** How the user authenticated and what the client asked to see again in the id token. */
interface SignInSession {
  amr: string[];
  nonce: string | null;
}

export interface IdentityOptions {
  tenantId: string;
  publicClientId: string;
  confidentialClient: { clientId: string; clientSecret: string };
  users: EmulatorUser[];
  accessTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  deviceCodeIntervalSeconds: number;
  autoApproveDeviceCodes: boolean;
  /** Redirect URIs registered beside the loopback ones (http://localhost|127.0.0.1|[::1], any port and path). */
  redirectUris: string[];
  /** Seed of the deterministic group object ids in the `groups` claim. */
  idSeed: string;
  /** The identity server's base URL, known once it listens. */
  identityUrl: () => string;
}

interface DeviceCodeGrant {
  userCode: string;
  clientId: string;
  scopes: string[];
  expiresAtMs: number;
  approvedBy: string | null;
  amr: string[];
}

interface AuthorizationCodeGrant {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: string;
  username: string;
  expiresAtMs: number;
  session: SignInSession;
}

interface RefreshTokenGrant {
  username: string;
  clientId: string;
  scopes: string[];
  expiresAtMs: number;
  revoked: boolean;
  /** Carried from the sign-in: a refreshed token says how the user first authenticated. */
  amr: string[];
}

/** An OAuth error as Entra ID's token endpoint returns it. */
export interface OAuthError {
  error: string;
  error_description: string;
  error_codes: number[];
}

export type TokenOutcome =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; status: number; body: OAuthError };

function oauthError(error: string, code: number, description: string, status = 400): TokenOutcome {
  return {
    ok: false,
    status,
    body: { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code] },
  };
}

function invalidGrant(code: number, description: string): TokenOutcome {
  return oauthError('invalid_grant', code, description);
}

function unknownClient(clientId: string): TokenOutcome {
  return oauthError(
    'unauthorized_client',
    700016,
    `Application with identifier '${clientId}' was not found in the tenant.`,
  );
}

function invalidClientSecret(): TokenOutcome {
  return oauthError(
    'invalid_client',
    7000215,
    'Invalid client secret provided. Ensure the secret being sent is the client secret value.',
    401,
  );
}

export type AuthorizeOutcome =
  | { kind: 'page'; message: string }
  | { kind: 'redirect'; redirectUri: string; responseMode: ResponseMode; params: Record<string, string> };

function opaque(): string {
  return randomBytes(32).toString('base64url');
}

/** The Entra ID side of the emulator: users, app registrations, device codes, auth codes and refresh tokens. */
export class IdentityProvider {
  private readonly deviceCodes = new Map<string, DeviceCodeGrant>();
  private readonly authorizationCodes = new Map<string, AuthorizationCodeGrant>();
  private readonly refreshTokens = new Map<string, RefreshTokenGrant>();
  /** Set by a control call: who signs in on the next interactive sign-ins (null = login_hint or the admin). */
  private interactiveUsername: string | null = null;

  constructor(
    private readonly options: IdentityOptions,
    private readonly issuer: TokenIssuer,
    private readonly clock: Clock,
  ) {}

  get tenantId(): string {
    return this.options.tenantId;
  }

  /** The v2.0 issuer of a tenant's id tokens (default: the emulated partner tenant). */
  issuerUrl(tenantId = this.options.tenantId): string {
    return `${this.options.identityUrl()}/${tenantId}/v2.0`;
  }

  findUser(username: string): EmulatorUser | undefined {
    return this.options.users.find((user) => user.username.toLowerCase() === username.toLowerCase());
  }

  findUserByOid(oid: string): EmulatorUser | undefined {
    return this.options.users.find((user) => user.oid === oid);
  }

  defaultAdmin(): EmulatorUser {
    const admin = this.options.users.find((user) => user.roles.includes('ReferralsAdmin'));
    if (!admin) throw new Error('The emulator has no Referrals admin user.');
    return admin;
  }

  listUsers(): EmulatorUser[] {
    return this.options.users;
  }

  /** Control call: adds a user, or changes an existing one's roles / MFA. */
  upsertUser(change: {
    username: string;
    displayName?: string | undefined;
    roles?: string[] | undefined;
    mfa?: boolean | undefined;
    groups?: string[] | undefined;
    homeTenantId?: string | undefined;
  }): EmulatorUser {
    const existing = this.findUser(change.username);
    if (existing) {
      if (change.roles) existing.roles = [...change.roles];
      if (change.mfa !== undefined) existing.mfa = change.mfa;
      if (change.displayName) existing.displayName = change.displayName;
      if (change.groups) existing.groups = [...change.groups];
      if (change.homeTenantId) existing.homeTenantId = change.homeTenantId;
      return existing;
    }
    const user: EmulatorUser = {
      oid: randomUUID(),
      username: change.username,
      password: randomBytes(12).toString('base64url'),
      displayName: change.displayName ?? change.username,
      roles: change.roles ? [...change.roles] : [],
      mfa: change.mfa ?? true,
      ...(change.groups ? { groups: [...change.groups] } : {}),
      ...(change.homeTenantId ? { homeTenantId: change.homeTenantId } : {}),
    };
    this.options.users.push(user);
    return user;
  }

  /** Control call: who signs in interactively from now on (null: the login_hint, else the default admin). */
  setInteractiveUser(username: string | null): { ok: true } | { ok: false; message: string } {
    if (username !== null && !this.findUser(username)) {
      return {
        ok: false,
        message: `No emulator user named '${username}'. GET /__emulator/users lists them.`,
      };
    }
    this.interactiveUsername = username;
    return { ok: true };
  }

  /** The user an interactive sign-in (authorize page, auto-approved device code) is made by. */
  private interactiveUser(loginHint: string | null): EmulatorUser {
    const chosen = this.interactiveUsername ? this.findUser(this.interactiveUsername) : undefined;
    return chosen ?? (loginHint ? this.findUser(loginHint) : undefined) ?? this.defaultAdmin();
  }

  isKnownTenant(tenant: string): boolean {
    return ['common', 'organizations', this.options.tenantId].includes(tenant.toLowerCase());
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  /** The API audience named by the requested scopes (e.g. `https://api.partner.microsoft.com/.default`). */
  private audienceOf(scopes: string[]): string | null {
    const resourceScope = scopes.find((scope) => scope.startsWith('https://') || scope.startsWith('api://'));
    if (!resourceScope) return REFERRALS_AUDIENCE;
    const resource = resourceScope.replace(/\/[^/]*$/, '');
    return resource === REFERRALS_AUDIENCE || resource === WEBHOOKS_AUDIENCE ? resource : null;
  }

  /**
   * A token for the given user and API audience (used by `/__emulator/token` and all user grants).
   * `amr` defaults to what an interactive sign-in by this user carries now.
   */
  accessTokenFor(user: EmulatorUser, audience: string, clientId: string, amr = interactiveAmr(user)): string {
    return this.signAccessToken(audience, user.oid, clientId, {
      upn: user.username,
      unique_name: user.username,
      name: user.displayName,
      scp: 'user_impersonation',
      amr,
    });
  }

  /** The claims every access token carries (v1.0 shape, as Partner Center's APIs receive them). */
  private signAccessToken(
    audience: string,
    subject: string,
    clientId: string,
    extra: Record<string, unknown>,
  ): string {
    const nowSeconds = Math.floor(this.nowMs() / 1000);
    return this.issuer.sign({
      aud: audience,
      iss: `https://sts.windows.net/${this.options.tenantId}/`,
      iat: nowSeconds,
      nbf: nowSeconds,
      exp: nowSeconds + this.options.accessTokenLifetimeSeconds,
      tid: this.options.tenantId,
      oid: subject,
      sub: subject,
      appid: clientId,
      uti: randomUUID(),
      ver: '1.0',
      ...extra,
    });
  }

  private userTokens(
    user: EmulatorUser,
    clientId: string,
    scopes: string[],
    session: SignInSession,
  ): TokenOutcome {
    const audience = this.audienceOf(scopes);
    if (!audience) {
      return oauthError(
        'invalid_resource',
        500011,
        `The resource in scope '${scopes.join(' ')}' was not found in the tenant.`,
      );
    }
    const nowSeconds = Math.floor(this.nowMs() / 1000);
    const refreshToken = opaque();
    this.refreshTokens.set(refreshToken, {
      username: user.username,
      clientId,
      scopes,
      expiresAtMs: this.nowMs() + this.options.refreshTokenLifetimeSeconds * 1000,
      revoked: false,
      amr: session.amr,
    });
    // An account of another organization signs in at its own tenant: its id token says so.
    const userTenantId = user.homeTenantId ?? this.options.tenantId;
    const idToken = this.issuer.sign({
      aud: clientId,
      iss: this.issuerUrl(userTenantId),
      iat: nowSeconds,
      nbf: nowSeconds,
      exp: nowSeconds + this.options.accessTokenLifetimeSeconds,
      tid: userTenantId,
      oid: user.oid,
      sub: user.oid,
      preferred_username: user.username,
      name: user.displayName,
      amr: session.amr,
      groups: groupIdsOf(user, this.options.idSeed),
      ...(session.nonce === null ? {} : { nonce: session.nonce }),
      ver: '2.0',
    });
    const clientInfo = Buffer.from(JSON.stringify({ uid: user.oid, utid: this.options.tenantId })).toString(
      'base64url',
    );
    const grantedScopes = [
      `${audience}/user_impersonation`,
      ...scopes.filter((scope) => !scope.startsWith('https://')),
    ];
    return {
      ok: true,
      body: {
        token_type: 'Bearer',
        scope: grantedScopes.join(' '),
        expires_in: this.options.accessTokenLifetimeSeconds,
        ext_expires_in: this.options.accessTokenLifetimeSeconds,
        access_token: this.accessTokenFor(user, audience, clientId, session.amr),
        refresh_token: refreshToken,
        id_token: idToken,
        client_info: clientInfo,
      },
    };
  }

  startDeviceCode(clientId: string, scopes: string[]): TokenOutcome {
    if (clientId !== this.options.publicClientId) {
      return unknownClient(clientId);
    }
    const deviceCode = opaque();
    const userCode = randomBytes(6).toString('hex').slice(0, 9).toUpperCase();
    const expiresInSeconds = 900;
    const autoUser = this.options.autoApproveDeviceCodes ? this.interactiveUser(null) : null;
    this.deviceCodes.set(deviceCode, {
      userCode,
      clientId,
      scopes,
      expiresAtMs: this.nowMs() + expiresInSeconds * 1000,
      approvedBy: autoUser?.username ?? null,
      amr: autoUser ? interactiveAmr(autoUser) : [],
    });
    const verificationUri = `${this.options.identityUrl()}/devicelogin`;
    return {
      ok: true,
      body: {
        user_code: userCode,
        device_code: deviceCode,
        verification_uri: verificationUri,
        expires_in: expiresInSeconds,
        interval: this.options.deviceCodeIntervalSeconds,
        message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
      },
    };
  }

  /** Control call: the user signs in on the device-login page and enters the code. */
  approveDeviceCode(
    userCode: string,
    username: string | undefined,
  ): { ok: true } | { ok: false; message: string } {
    const user = username ? this.findUser(username) : this.interactiveUser(null);
    if (!user) return { ok: false, message: `No emulator user named '${username}'.` };
    for (const grant of this.deviceCodes.values()) {
      if (grant.userCode.toUpperCase() === userCode.toUpperCase()) {
        grant.approvedBy = user.username;
        grant.amr = interactiveAmr(user);
        return { ok: true };
      }
    }
    return {
      ok: false,
      message: `No pending device code with user code '${userCode}'. Start the device code flow first.`,
    };
  }

  pendingDeviceCodes(): { userCode: string; clientId: string; approved: boolean }[] {
    return [...this.deviceCodes.values()].map((grant) => ({
      userCode: grant.userCode,
      clientId: grant.clientId,
      approved: grant.approvedBy !== null,
    }));
  }

  redeemDeviceCode(deviceCode: string, clientId: string): TokenOutcome {
    const grant = this.deviceCodes.get(deviceCode);
    if (!grant || grant.clientId !== clientId) {
      return invalidGrant(70000, 'The provided device code is invalid or was already used.');
    }
    if (grant.expiresAtMs <= this.nowMs()) {
      this.deviceCodes.delete(deviceCode);
      return oauthError('expired_token', 70020, 'The device code has expired. Start the sign-in again.');
    }
    if (!grant.approvedBy) {
      return oauthError(
        'authorization_pending',
        70016,
        'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
      );
    }
    const user = this.findUser(grant.approvedBy);
    if (!user) return invalidGrant(50034, 'The user account does not exist.');
    this.deviceCodes.delete(deviceCode);
    return this.userTokens(user, clientId, grant.scopes, { amr: grant.amr, nonce: null });
  }

  /**
   * GET /authorize: checks the request, then the emulated user (see setInteractiveUser) signs in at once,
   * and the code (or the error) goes back to the redirect URI with the caller's state.
   */
  authorize(request: AuthorizationRequest): AuthorizeOutcome {
    const checked = checkAuthorizationRequest(request, {
      publicClientId: this.options.publicClientId,
      confidentialClientId: this.options.confidentialClient.clientId,
      redirectUris: this.options.redirectUris,
    });
    if (checked.kind === 'page') return checked;
    const withState = (params: Record<string, string>) =>
      request.state === null ? params : { ...params, state: request.state };
    if (checked.kind === 'error') {
      return {
        kind: 'redirect',
        redirectUri: checked.redirectUri,
        responseMode: checked.responseMode,
        params: withState({ error: checked.error, error_description: checked.description }),
      };
    }
    const user = this.interactiveUser(request.loginHint);
    const code = opaque();
    this.authorizationCodes.set(code, {
      clientId: request.clientId,
      redirectUri: checked.redirectUri,
      scopes: request.scopes,
      codeChallenge: checked.codeChallenge,
      codeChallengeMethod: checked.codeChallengeMethod,
      username: user.username,
      expiresAtMs: this.nowMs() + 600_000,
      session: { amr: interactiveAmr(user), nonce: request.nonce },
    });
    return {
      kind: 'redirect',
      redirectUri: checked.redirectUri,
      responseMode: checked.responseMode,
      params: withState({ code }),
    };
  }

  redeemAuthorizationCode(request: {
    code: string;
    clientId: string;
    clientSecret: string | null;
    redirectUri: string;
    codeVerifier: string | null;
  }): TokenOutcome {
    const { clientId, codeVerifier } = request;
    const confidential = this.options.confidentialClient;
    if (clientId === confidential.clientId && request.clientSecret !== confidential.clientSecret) {
      return invalidClientSecret();
    }
    const grant = this.authorizationCodes.get(request.code);
    this.authorizationCodes.delete(request.code);
    if (!grant || grant.clientId !== clientId || grant.expiresAtMs <= this.nowMs()) {
      return invalidGrant(70008, 'The provided authorization code is invalid, expired or already redeemed.');
    }
    if (grant.redirectUri !== request.redirectUri) {
      return invalidGrant(
        50148,
        'The redirect_uri does not match the one used to get the authorization code.',
      );
    }
    if (grant.codeChallenge) {
      const expected =
        grant.codeChallengeMethod === 'S256' && codeVerifier
          ? createHash('sha256').update(codeVerifier).digest('base64url')
          : codeVerifier;
      if (expected !== grant.codeChallenge) {
        return invalidGrant(
          501481,
          'The code_verifier does not match the code_challenge supplied in the authorization request.',
        );
      }
    }
    const user = this.findUser(grant.username);
    if (!user) return invalidGrant(50034, 'The user account does not exist.');
    return this.userTokens(user, clientId, grant.scopes, grant.session);
  }

  redeemRefreshToken(refreshToken: string, clientId: string, scopes: string[]): TokenOutcome {
    const grant = this.refreshTokens.get(refreshToken);
    if (!grant || grant.clientId !== clientId) {
      return invalidGrant(9002313, 'Invalid request. The refresh token is malformed or not valid.');
    }
    if (grant.revoked) {
      return invalidGrant(
        50173,
        'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
      );
    }
    if (grant.expiresAtMs <= this.nowMs()) {
      return invalidGrant(
        700082,
        'The refresh token has expired due to inactivity. The token was issued and was inactive for too long. Sign in again.',
      );
    }
    const user = this.findUser(grant.username);
    if (!user) return invalidGrant(50034, 'The user account does not exist.');
    return this.userTokens(user, clientId, scopes.length > 0 ? scopes : grant.scopes, {
      amr: grant.amr,
      nonce: null,
    });
  }

  redeemPassword(clientId: string, username: string, password: string, scopes: string[]): TokenOutcome {
    if (clientId !== this.options.publicClientId && clientId !== this.options.confidentialClient.clientId) {
      return unknownClient(clientId);
    }
    const user = this.findUser(username);
    if (!user || user.password !== password) {
      return invalidGrant(50126, 'Error validating credentials due to invalid username or password.');
    }
    // The password grant cannot do MFA: its tokens say only `pwd`, and Partner Center refuses them.
    return this.userTokens(user, clientId, scopes, { amr: ['pwd'], nonce: null });
  }

  redeemClientCredentials(clientId: string, clientSecret: string | null, scopes: string[]): TokenOutcome {
    const client = this.options.confidentialClient;
    if (clientId !== client.clientId) {
      return unknownClient(clientId);
    }
    if (clientSecret !== client.clientSecret) return invalidClientSecret();
    const audience = this.audienceOf(scopes);
    if (audience !== WEBHOOKS_AUDIENCE) {
      return oauthError(
        'invalid_scope',
        1002012,
        `App-only tokens are only issued for ${WEBHOOKS_AUDIENCE}/.default; the Referrals API needs a signed-in user.`,
      );
    }
    const accessToken = this.signAccessToken(audience, client.clientId, client.clientId, {
      idtyp: 'app',
      roles: [],
    });
    return {
      ok: true,
      body: {
        token_type: 'Bearer',
        expires_in: this.options.accessTokenLifetimeSeconds,
        ext_expires_in: this.options.accessTokenLifetimeSeconds,
        access_token: accessToken,
      },
    };
  }

  /** Control call: revokes the refresh tokens of one user, or of everyone. Returns how many were revoked. */
  revokeRefreshTokens(username?: string): number {
    let revoked = 0;
    for (const grant of this.refreshTokens.values()) {
      if (grant.revoked) continue;
      if (username && grant.username.toLowerCase() !== username.toLowerCase()) continue;
      grant.revoked = true;
      revoked += 1;
    }
    return revoked;
  }

  reset(): void {
    this.interactiveUsername = null;
    this.deviceCodes.clear();
    this.authorizationCodes.clear();
    this.refreshTokens.clear();
  }
}
