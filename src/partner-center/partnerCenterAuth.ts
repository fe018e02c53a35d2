/**
 * Entra ID sign-in for Partner Center with @azure/msal-node. The Referrals API accepts delegated
 * (user) tokens only, so a Referrals-admin user signs in once: in the browser with the authorization
 * code flow + PKCE and a loopback redirect (the default), or with a device code. MSAL's token cache
 * (with the refresh token) is persisted through an injected TokenCacheStore (the app wires it to the
 * encrypted SecretVault), and later tokens for either audience come from acquireTokenSilent.
 * When the refresh token has expired or was revoked, callers get an `auth` UpstreamError telling the
 * admin to sign in again. Client credentials (app-only) are available for the Webhooks API.
 * Since 2026-04-01 Partner Center refuses App+User tokens whose sign-in skipped MFA: `signInStatus`
 * reads the `amr` claim of the stored sign-in so the connector can say so before the API does.
 */
import { randomBytes } from 'node:crypto';
import {
  type AccountInfo,
  AuthError,
  ConfidentialClientApplication,
  type Configuration,
  CryptoProvider,
  type ICachePlugin,
  InteractionRequiredAuthError,
  PublicClientApplication,
} from '@azure/msal-node';
import { Agent } from 'undici';
import { type Logger, silentLogger } from '../shared/logger.ts';
import { UpstreamError } from '../shared/upstreamError.ts';
import { listenForRedirect, RedirectError } from './loopbackRedirect.ts';
import { createMsalNetworkClient } from './msalNetworkClient.ts';
import type { AccessTokenProvider } from './partnerCenterHttp.ts';

/**
 * Delegated scope of the Referrals API (api.partner.microsoft.com). The named `user_impersonation` scope, not
 * `/.default`: Entra answers with the granted scope names, and MSAL only finds a cached token again when the
 * requested scope is among them — with `/.default` every call would refresh the token.
 */
export const REFERRALS_SCOPE = 'https://api.partner.microsoft.com/user_impersonation';
/** Delegated scope of the classic Partner Center API, which hosts the Webhooks API. */
export const WEBHOOKS_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation';
/** App-only (client credentials) tokens must ask for the resource's `/.default`. */
export const WEBHOOKS_APP_SCOPE = 'https://api.partnercenter.microsoft.com/.default';
export const DEFAULT_IDENTITY_URL = 'https://login.microsoftonline.com';

/**
 * How long Entra keeps an unused refresh token (its default inactivity limit); each use renews it.
 * Conditional Access "sign-in frequency" can make it shorter: see docs/troubleshooting.md.
 */
export const REFRESH_TOKEN_INACTIVITY_DAYS = 90;

export const SIGN_IN_AGAIN_MESSAGE =
  'Partner Center sign-in expired or was revoked: run `cosell connect partner-center` to sign in again.';

/** Where MSAL's serialized token cache lives (encrypted by the implementation). */
export interface TokenCacheStore {
  load(): Promise<string | null>;
  save(data: string): Promise<void>;
}

export interface PartnerCenterAuthOptions {
  /** The partner's Entra ID tenant id (or `organizations`). */
  tenantId: string;
  /** The app registration's client id. */
  clientId: string;
  /** Default https://login.microsoftonline.com; the emulator's identity URL in sandbox mode. */
  identityUrl?: string;
  /** PEM of a CA to trust for identityUrl only (the emulator's test CA). */
  caCertPem?: string;
  /** Per identity request. Default 30 000. */
  timeoutMs?: number;
  logger?: Logger;
}

/** Which stored sign-in this is, for the messages that say how to make it again. */
export type SignInPurpose = 'referrals' | 'webhooks';

const NOT_CONNECTED_MESSAGE: Record<SignInPurpose, string> = {
  referrals:
    'Partner Center is not connected yet: run `cosell connect partner-center` to sign in as a Referrals admin.',
  webhooks:
    'The separate Webhooks API sign-in is missing (partnerCenter.webhooksSignIn.kind: separateUser): run `cosell connect partner-center --webhooks`.',
};

const SIGN_IN_AGAIN: Record<SignInPurpose, string> = {
  referrals: SIGN_IN_AGAIN_MESSAGE,
  webhooks:
    'The Webhooks API sign-in expired or was revoked: run `cosell connect partner-center --webhooks` to sign in again.',
};

export interface DeviceCodePrompt {
  /** The full instruction to show ("To sign in, use a web browser to open …"). */
  message: string;
  userCode: string;
  verificationUri: string;
  expiresInSeconds: number;
}

export interface SignedInUser {
  username: string;
  tenantId: string;
  /** true/false from the sign-in's `amr` claim; null when the tokens say nothing about it. */
  mfa: boolean | null;
  /** The `amr` claim: how the user authenticated (e.g. pwd, mfa). */
  authMethods: string[];
}

export interface SignInStatus extends SignedInUser {
  /** When a token was last issued to this sign-in (the refresh token is renewed each time). */
  lastRenewedAt: Date | null;
  /**
   * When the stored refresh token stops working if the connector does not use it before (Entra's
   * inactivity limit after lastRenewedAt); a new sign-in is needed then.
   */
  needsSignInBy: Date | null;
}

export interface BrowserSignInOptions {
  /** Called with the URL the person opens in a browser. */
  onUrl: (url: string) => void;
  /** Loopback port for the redirect; 0 (default) = any free port. */
  redirectPort?: number;
  scope?: string;
  /** Default 300. */
  timeoutSeconds?: number;
  /** Suggest the account to sign in with. */
  loginHint?: string;
}

export class PartnerCenterAuth {
  private readonly app: PublicClientApplication;
  private readonly agent: Agent | null;
  private readonly purpose: SignInPurpose;
  /** Access tokens handed out, per scope, until a few minutes before they expire. */
  private readonly tokens = new Map<string, { accessToken: string; expiresAtMs: number }>();

  constructor(options: PartnerCenterAuthOptions & { tokenCache: TokenCacheStore; purpose?: SignInPurpose }) {
    this.purpose = options.purpose ?? 'referrals';
    const built = msalConfiguration(options, cachePlugin(options.tokenCache));
    this.agent = built.agent;
    this.app = new PublicClientApplication(built.configuration);
  }

  /**
   * Device-code sign-in: `onPrompt` receives the code and URL to show the admin; resolves once the
   * admin has signed in (the token cache is saved by then).
   */
  async signInWithDeviceCode(options: {
    onPrompt: (prompt: DeviceCodePrompt) => void;
    scope?: string;
    timeoutSeconds?: number;
  }): Promise<SignedInUser> {
    this.tokens.clear();
    try {
      const result = await this.app.acquireTokenByDeviceCode({
        scopes: [options.scope ?? REFERRALS_SCOPE],
        ...(options.timeoutSeconds === undefined ? {} : { timeout: options.timeoutSeconds }),
        deviceCodeCallback: (response) =>
          options.onPrompt({
            message: response.message,
            userCode: response.userCode,
            verificationUri: response.verificationUri,
            expiresInSeconds: response.expiresIn,
          }),
      });
      if (!result?.account) {
        throw new UpstreamError({
          kind: 'auth',
          upstream: 'identity',
          message:
            'Partner Center sign-in finished without an account. Run `cosell connect partner-center` again.',
        });
      }
      return signedInUserOf(result.account, result.idTokenClaims, result.accessToken);
    } catch (error) {
      throw identityError(error, 'Partner Center sign-in did not complete');
    }
  }

  /**
   * Browser sign-in: authorization code + PKCE, with the redirect received on 127.0.0.1. Resolves once the
   * code is exchanged (the token cache is saved by then).
   */
  async signInWithBrowser(options: BrowserSignInOptions): Promise<SignedInUser> {
    this.tokens.clear();
    const scope = options.scope ?? REFERRALS_SCOPE;
    const crypto = new CryptoProvider();
    const { verifier, challenge } = await crypto.generatePkceCodes();
    const state = randomBytes(16).toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    let redirect: Awaited<ReturnType<typeof listenForRedirect>>;
    try {
      redirect = await listenForRedirect({
        port: options.redirectPort ?? 0,
        state,
        timeoutMs: (options.timeoutSeconds ?? 300) * 1000,
        what: 'Partner Center (cosell)',
      });
    } catch (error) {
      throw new UpstreamError({
        kind: 'permanent',
        upstream: 'identity',
        cause: error,
        message: `Could not listen on 127.0.0.1:${options.redirectPort ?? 0} for the sign-in redirect (${firstLine(String((error as Error).message))}). Pick another --redirect-port, or use --device-code.`,
      });
    }
    try {
      const url = await this.app.getAuthCodeUrl({
        scopes: [scope],
        redirectUri: redirect.redirectUri,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        state,
        nonce,
        ...(options.loginHint ? { loginHint: options.loginHint } : {}),
      });
      options.onUrl(url);
      const code = await redirect.code;
      const result = await this.app.acquireTokenByCode(
        { code, scopes: [scope], redirectUri: redirect.redirectUri, codeVerifier: verifier, state, nonce },
        { code, state },
      );
      if (!result.account) throw new Error('no account in the answer');
      return signedInUserOf(result.account, result.idTokenClaims, result.accessToken);
    } catch (error) {
      if (error instanceof RedirectError) {
        throw new UpstreamError({
          kind: 'auth',
          upstream: 'identity',
          code: error.error,
          cause: error,
          message: `Partner Center sign-in did not complete: ${error.message.replace(/[.\s]+$/, '')}. Run \`cosell connect partner-center\` again (or add --device-code).`,
        });
      }
      throw identityError(error, 'Partner Center sign-in did not complete');
    } finally {
      await redirect.close();
    }
  }

  /** The signed-in user, or null when nobody has signed in yet. */
  async signedInUser(): Promise<SignedInUser | null> {
    const account = await this.account();
    return account ? signedInUserOf(account, account.idTokenClaims, null) : null;
  }

  /**
   * The stored sign-in with its MFA claim and when it will need renewing, or null when nobody has signed in.
   * Reads a (cached, else refreshed) token for `scope` too, since the API's access token carries `amr`
   * even where the id token does not; when that fails, the id token alone is used.
   */
  async signInStatus(scope: string = REFERRALS_SCOPE): Promise<SignInStatus | null> {
    const account = await this.account();
    if (!account) return null;
    const accessToken = await this.getAccessToken(scope).catch(() => null);
    const renewal = renewalOf(this.app.getTokenCache().serialize(), account.homeAccountId);
    return { ...signedInUserOf(account, account.idTokenClaims, accessToken), ...renewal };
  }

  /**
   * A bearer token for `scope` (REFERRALS_SCOPE or WEBHOOKS_SCOPE), from the cache or refreshed
   * silently. Throws an `auth` UpstreamError when sign-in is needed.
   */
  async getAccessToken(scope: string, options: { forceRefresh?: boolean } = {}): Promise<string> {
    // A token with minutes left is used as it is: reading and decrypting the cache for every call would cost
    // more than the call. A 401 asks again with forceRefresh.
    const remembered = this.tokens.get(scope);
    if (!options.forceRefresh && remembered && remembered.expiresAtMs - Date.now() > TOKEN_REUSE_MARGIN_MS)
      return remembered.accessToken;
    this.tokens.delete(scope);
    const account = await this.account();
    if (!account) {
      throw new UpstreamError({
        kind: 'auth',
        upstream: 'identity',
        message: NOT_CONNECTED_MESSAGE[this.purpose],
      });
    }
    try {
      const result = await this.app.acquireTokenSilent({
        account,
        scopes: [scope],
        forceRefresh: options.forceRefresh ?? false,
      });
      if (result.expiresOn)
        this.tokens.set(scope, { accessToken: result.accessToken, expiresAtMs: result.expiresOn.getTime() });
      return result.accessToken;
    } catch (error) {
      throw identityError(error, 'Could not get a Partner Center token', SIGN_IN_AGAIN[this.purpose]);
    }
  }

  /** The token function the Referrals and Webhooks clients take. */
  tokenProvider(scope: string): AccessTokenProvider {
    return ({ forceRefresh }) => this.getAccessToken(scope, { forceRefresh });
  }

  /** Forgets the signed-in user (the cleared cache is saved). */
  async signOut(): Promise<void> {
    this.tokens.clear();
    const cache = this.app.getTokenCache();
    for (const account of await cache.getAllAccounts()) await cache.removeAccount(account);
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }

  private async account(): Promise<AccountInfo | null> {
    const accounts = await this.app.getTokenCache().getAllAccounts();
    return accounts[0] ?? null;
  }
}

const TOKEN_REUSE_MARGIN_MS = 5 * 60_000;

/** App-only tokens (client credentials) for the Webhooks API, which accepts them. */
export class PartnerCenterAppAuth {
  private readonly app: ConfidentialClientApplication;
  private readonly agent: Agent | null;

  constructor(options: PartnerCenterAuthOptions & { clientSecret: string }) {
    const built = msalConfiguration(options, null);
    this.agent = built.agent;
    this.app = new ConfidentialClientApplication({
      ...built.configuration,
      auth: { ...built.configuration.auth, clientSecret: options.clientSecret },
    });
  }

  async getAccessToken(
    scope: string = WEBHOOKS_APP_SCOPE,
    options: { forceRefresh?: boolean } = {},
  ): Promise<string> {
    try {
      const result = await this.app.acquireTokenByClientCredential({
        scopes: [scope],
        skipCache: options.forceRefresh ?? false,
      });
      if (!result) throw new Error('no token returned');
      return result.accessToken;
    } catch (error) {
      throw identityError(error, 'Could not get an app-only Partner Center token');
    }
  }

  tokenProvider(scope: string = WEBHOOKS_APP_SCOPE): AccessTokenProvider {
    return ({ forceRefresh }) => this.getAccessToken(scope, { forceRefresh });
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }
}

function msalConfiguration(
  options: PartnerCenterAuthOptions,
  plugin: ICachePlugin | null,
): { configuration: Configuration; agent: Agent | null } {
  const identityUrl = (options.identityUrl ?? DEFAULT_IDENTITY_URL).replace(/\/+$/, '');
  const logger = options.logger ?? silentLogger;
  const agent = options.caCertPem ? new Agent({ connect: { ca: options.caCertPem } }) : null;
  const configuration: Configuration = {
    auth: {
      clientId: options.clientId,
      authority: `${identityUrl}/${options.tenantId}`,
      knownAuthorities: [new URL(identityUrl).host],
    },
    ...(plugin ? { cache: { cachePlugin: plugin } } : {}),
    system: {
      ...(agent ? { networkClient: createMsalNetworkClient(agent, options.timeoutMs ?? 30_000) } : {}),
      loggerOptions: {
        piiLoggingEnabled: false,
        loggerCallback: (_level, message, containsPii) => {
          if (!containsPii) logger.debug({ msal: message }, 'msal');
        },
      },
    },
  };
  return { configuration, agent };
}

function cachePlugin(store: TokenCacheStore): ICachePlugin {
  return {
    beforeCacheAccess: async (context) => {
      const data = await store.load();
      if (data !== null) context.tokenCache.deserialize(data);
    },
    afterCacheAccess: async (context) => {
      if (context.cacheHasChanged) await store.save(context.tokenCache.serialize());
    },
  };
}

/** Refresh-token failures that only a new sign-in fixes. */
const SIGN_IN_AGAIN_CODES = [
  'invalid_grant',
  'interaction_required',
  'login_required',
  'consent_required',
  'no_tokens_found',
];

function identityError(error: unknown, what: string, signInAgain = SIGN_IN_AGAIN_MESSAGE): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const code = error instanceof AuthError ? error.errorCode : undefined;
  const description =
    error instanceof AuthError ? error.errorMessage : error instanceof Error ? error.message : String(error);
  const needsSignIn =
    error instanceof InteractionRequiredAuthError ||
    (code !== undefined && SIGN_IN_AGAIN_CODES.includes(code)) ||
    /\binvalid_grant\b|AADSTS(700082|50173|50078|50076|70008|700084)\b/.test(description);
  if (needsSignIn) {
    return new UpstreamError({
      kind: 'auth',
      upstream: 'identity',
      message: signInAgain,
      ...(code === undefined ? {} : { code }),
      cause: error,
    });
  }
  const network =
    code === 'network_error' ||
    code === 'endpoints_resolution_error' ||
    /fetch failed|ECONN|ETIMEDOUT|timeout/i.test(description);
  return new UpstreamError({
    kind: network ? 'transient' : 'auth',
    upstream: 'identity',
    ...(code === undefined ? {} : { code }),
    cause: error,
    message: network
      ? `${what}: the Microsoft sign-in service could not be reached (${firstLine(description)}); this is usually temporary: check the network and partnerCenter.authorityUrl.`
      : `${what}: ${firstLine(description).replace(/[.\s]+$/, '')}. Check the tenant and client id in the config, then run \`cosell connect partner-center\`.`,
  });
}

/** The `amr` claim of a JWT, or null when it has none (or is not a readable JWT). */
function amrOf(claims: unknown): string[] | null {
  const amr = (claims as { amr?: unknown } | null | undefined)?.amr;
  return Array.isArray(amr) ? amr.filter((value): value is string => typeof value === 'string') : null;
}

function jwtClaims(token: string | null): unknown {
  if (!token) return null;
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * MFA as the tokens tell it: Entra v1.0 access tokens (what Partner Center's APIs receive) carry `amr`;
 * id tokens may too. Unknown (null) when neither has the claim.
 */
function signedInUserOf(
  account: AccountInfo,
  idClaims: object | undefined,
  accessToken: string | null,
): SignedInUser {
  const fromAccess = amrOf(jwtClaims(accessToken));
  const fromId = amrOf(idClaims);
  const authMethods = [...new Set([...(fromAccess ?? []), ...(fromId ?? [])])];
  return {
    username: account.username,
    tenantId: account.tenantId,
    mfa: fromAccess === null && fromId === null ? null : authMethods.includes('mfa'),
    authMethods,
  };
}

/**
 * When the account's tokens were last issued, from the serialized MSAL cache (`cached_at` of its access
 * tokens): Entra renews the refresh token each time, and drops one unused for the inactivity limit.
 * (msal-node does not keep a refresh token expiry in the cache, so there is nothing more exact to read.)
 */
function renewalOf(
  serializedCache: string,
  homeAccountId: string,
): Pick<SignInStatus, 'lastRenewedAt' | 'needsSignInBy'> {
  type Entry = { home_account_id?: string; cached_at?: string };
  let cache: { AccessToken?: Record<string, Entry> } = {};
  try {
    cache = JSON.parse(serializedCache) as typeof cache;
  } catch {
    // An unreadable cache has nothing to say.
  }
  const issuedAtSeconds = Object.values(cache.AccessToken ?? {})
    .filter((entry) => entry.home_account_id === homeAccountId && /^\d+$/.test(entry.cached_at ?? ''))
    .map((entry) => Number(entry.cached_at));
  if (issuedAtSeconds.length === 0) return { lastRenewedAt: null, needsSignInBy: null };
  const lastRenewedAt = new Date(Math.max(...issuedAtSeconds) * 1000);
  return {
    lastRenewedAt,
    needsSignInBy: new Date(lastRenewedAt.getTime() + REFRESH_TOKEN_INACTIVITY_DAYS * 86_400_000),
  };
}

/** What to tell a person whose stored sign-in carries no MFA claim (Partner Center refuses it). */
export function missingMfaMessage(username: string): string {
  return `Partner Center sign-in of ${username} did not use multifactor authentication: since 1 April 2026 Partner Center refuses every App+User call without MFA (HTTP 401, error 900421). Make this user sign in with MFA (register an MFA method; have a Conditional Access policy or security defaults require MFA for them, and do not exclude them as a service account), then run \`cosell connect partner-center\` again.`;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).slice(0, 300);
}
