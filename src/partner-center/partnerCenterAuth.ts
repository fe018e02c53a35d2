/**
 * Entra ID sign-in for Partner Center with @azure/msal-node. The Referrals API accepts delegated
 * (user) tokens only, so a Referrals-admin user signs in once with the device-code flow; MSAL's token
 * cache (with the refresh token) is persisted through an injected TokenCacheStore (the app wires it to
 * the encrypted SecretVault), and later tokens for either audience come from acquireTokenSilent.
 * When the refresh token has expired or was revoked, callers get an `auth` UpstreamError telling the
 * admin to sign in again. Client credentials (app-only) are available for the Webhooks API.
 */
import {
  type AccountInfo,
  AuthError,
  ConfidentialClientApplication,
  type Configuration,
  type ICachePlugin,
  InteractionRequiredAuthError,
  PublicClientApplication,
} from '@azure/msal-node';
import { Agent } from 'undici';
import { type Logger, silentLogger } from '../shared/logger.ts';
import { UpstreamError } from '../shared/upstreamError.ts';
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
}

export class PartnerCenterAuth {
  private readonly app: PublicClientApplication;
  private readonly agent: Agent | null;

  constructor(options: PartnerCenterAuthOptions & { tokenCache: TokenCacheStore }) {
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
      return { username: result.account.username, tenantId: result.account.tenantId };
    } catch (error) {
      throw identityError(error, 'Partner Center sign-in did not complete');
    }
  }

  /** The signed-in user, or null when nobody has signed in yet. */
  async signedInUser(): Promise<SignedInUser | null> {
    const account = await this.account();
    return account ? { username: account.username, tenantId: account.tenantId } : null;
  }

  /**
   * A bearer token for `scope` (REFERRALS_SCOPE or WEBHOOKS_SCOPE), from the cache or refreshed
   * silently. Throws an `auth` UpstreamError when sign-in is needed.
   */
  async getAccessToken(scope: string, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const account = await this.account();
    if (!account) {
      throw new UpstreamError({
        kind: 'auth',
        upstream: 'identity',
        message:
          'Partner Center is not connected yet: run `cosell connect partner-center` to sign in as a Referrals admin.',
      });
    }
    try {
      const result = await this.app.acquireTokenSilent({
        account,
        scopes: [scope],
        forceRefresh: options.forceRefresh ?? false,
      });
      return result.accessToken;
    } catch (error) {
      throw identityError(error, 'Could not get a Partner Center token');
    }
  }

  /** The token function the Referrals and Webhooks clients take. */
  tokenProvider(scope: string): AccessTokenProvider {
    return ({ forceRefresh }) => this.getAccessToken(scope, { forceRefresh });
  }

  /** Forgets the signed-in user (the cleared cache is saved). */
  async signOut(): Promise<void> {
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

function identityError(error: unknown, what: string): UpstreamError {
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
      message: SIGN_IN_AGAIN_MESSAGE,
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

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).slice(0, 300);
}
