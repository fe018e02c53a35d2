import { createSign } from 'node:crypto';
import jsforce, { type Connection } from 'jsforce';
import type { Logger } from '../shared/logger.ts';
import { silentLogger } from '../shared/logger.ts';
import { classifySalesforceError } from './classifySalesforceError.ts';

/** The REST/Metadata API version every call uses. Fixed, so behaviour never shifts with jsforce's default. */
export const SALESFORCE_API_VERSION = '62.0';
/** Sent as `Sforce-Call-Options: client=…` so change events and audits can recognise the connector's own writes. */
export const SALESFORCE_CALL_CLIENT = 'cosell-connector';

export const SALESFORCE_LOGIN_URLS = {
  production: 'https://login.salesforce.com',
  sandbox: 'https://test.salesforce.com',
} as const;

export type SalesforceAuth =
  | {
      /** JWT bearer flow: recommended for servers. The connected app holds the certificate of privateKeyPem. */
      flow: 'jwt';
      clientId: string;
      username: string;
      privateKeyPem: string;
      /** JWT `aud`; defaults from the login URL (see jwtAudienceFor). */
      audience?: string;
    }
  | { flow: 'refreshToken'; clientId: string; clientSecret?: string; refreshToken: string }
  | { flow: 'clientCredentials'; clientId: string; clientSecret: string }
  | { flow: 'password'; clientId: string; clientSecret: string; username: string; password: string };

export interface SalesforceConnectionOptions {
  /** `production`, `sandbox`, a My Domain URL, or any base URL (the emulator). */
  loginUrl: 'production' | 'sandbox' | (string & {});
  auth: SalesforceAuth;
  logger?: Logger;
  /** Lifetime of a JWT assertion; Salesforce accepts at most a few minutes. */
  jwtLifetimeSeconds?: number;
}

export function resolveLoginUrl(loginUrl: SalesforceConnectionOptions['loginUrl']): string {
  if (loginUrl === 'production') return SALESFORCE_LOGIN_URLS.production;
  if (loginUrl === 'sandbox') return SALESFORCE_LOGIN_URLS.sandbox;
  return loginUrl.replace(/\/+$/, '');
}

/**
 * The `aud` claim Salesforce expects: login.salesforce.com for production and My Domain production orgs,
 * test.salesforce.com for sandboxes (also sandbox My Domains); any other host (an emulator, a community)
 * is its own audience.
 */
export function jwtAudienceFor(loginUrl: string): string {
  const host = new URL(loginUrl).hostname.toLowerCase();
  if (host === 'test.salesforce.com' || host.endsWith('.sandbox.my.salesforce.com')) {
    return SALESFORCE_LOGIN_URLS.sandbox;
  }
  if (host === 'login.salesforce.com' || host.endsWith('.my.salesforce.com'))
    return SALESFORCE_LOGIN_URLS.production;
  return loginUrl;
}

/** The identity URL of a token response ends in /<orgId>/<userId>. */
export function userInfoFromIdentityUrl(url: string): { id: string; organizationId: string; url: string } {
  const [organizationId = '', id = ''] = url.split('/').slice(-2);
  return { id, organizationId, url };
}

const base64Url = (input: string | Buffer): string => Buffer.from(input).toString('base64url');

/** An RS256-signed JWT bearer assertion (iss = consumer key, sub = username, exp a few minutes ahead). */
export function buildJwtAssertion(input: {
  clientId: string;
  username: string;
  audience: string;
  privateKeyPem: string;
  lifetimeSeconds?: number;
  now?: Date;
}): string {
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const header = base64Url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64Url(
    JSON.stringify({
      iss: input.clientId,
      sub: input.username,
      aud: input.audience,
      exp: nowSeconds + (input.lifetimeSeconds ?? 180),
    }),
  );
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${claims}`);
  return `${header}.${claims}.${signer.sign(input.privateKeyPem).toString('base64url')}`;
}

type GrantParams = { grant_type: string; [name: string]: string };

/** jsforce's session-refresh hook: re-runs a grant that has no refresh token (JWT bearer, client credentials). */
function regrantRefreshFn(grant: () => GrantParams, logger: Logger) {
  return (
    conn: Connection,
    callback: (err: Error | null | undefined, accessToken?: string, res?: never) => void,
  ) => {
    conn.oauth2
      .requestToken(grant())
      .then((res) => {
        if (res.instance_url) conn.instanceUrl = res.instance_url;
        logger.info('Salesforce session renewed');
        callback(null, res.access_token, res as never);
      })
      .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
  };
}

/**
 * Signs in to Salesforce and returns a jsforce Connection with a fixed API version and call options.
 * Expired sessions are renewed transparently by jsforce (refresh token, or re-running the grant).
 * Sign-in failures are thrown as UpstreamError (kind `auth` for refused credentials).
 */
export async function openSalesforceConnection(options: SalesforceConnectionOptions): Promise<Connection> {
  const logger = options.logger ?? silentLogger;
  const loginUrl = resolveLoginUrl(options.loginUrl);
  const auth = options.auth;
  const common = {
    loginUrl,
    version: SALESFORCE_API_VERSION,
    callOptions: { client: SALESFORCE_CALL_CLIENT },
  };
  const operation = `Signing in to Salesforce at ${loginUrl} (${auth.flow})`;
  try {
    switch (auth.flow) {
      case 'jwt': {
        const audience = auth.audience ?? jwtAudienceFor(loginUrl);
        const grant = (): GrantParams => ({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: buildJwtAssertion({
            clientId: auth.clientId,
            username: auth.username,
            audience,
            privateKeyPem: auth.privateKeyPem,
            ...(options.jwtLifetimeSeconds === undefined
              ? {}
              : { lifetimeSeconds: options.jwtLifetimeSeconds }),
          }),
        });
        // No clientId on the OAuth2 object: the assertion identifies the app, and jsforce would otherwise
        // install its refresh-token delegate, which cannot work without a refresh token.
        const conn = new jsforce.Connection({
          ...common,
          oauth2: { loginUrl },
          refreshFn: regrantRefreshFn(grant, logger),
        });
        await conn.authorize(grant());
        return conn;
      }
      case 'clientCredentials': {
        const grant = (): GrantParams => ({ grant_type: 'client_credentials' });
        const conn = new jsforce.Connection({
          ...common,
          oauth2: { loginUrl, clientId: auth.clientId, clientSecret: auth.clientSecret },
          refreshFn: regrantRefreshFn(grant, logger),
        });
        await conn.authorize(grant());
        return conn;
      }
      case 'refreshToken': {
        const oauth2 = new jsforce.OAuth2({
          loginUrl,
          clientId: auth.clientId,
          ...(auth.clientSecret === undefined ? {} : { clientSecret: auth.clientSecret }),
        });
        const res = await oauth2.refreshToken(auth.refreshToken);
        const conn = new jsforce.Connection({
          ...common,
          oauth2,
          instanceUrl: res.instance_url,
          accessToken: res.access_token,
          refreshToken: res.refresh_token ?? auth.refreshToken,
        });
        conn.userInfo = userInfoFromIdentityUrl(res.id);
        return conn;
      }
      case 'password': {
        logger.warn(
          'Salesforce username-password sign-in is for development only (Salesforce blocks it in new orgs); use the JWT bearer flow in production',
        );
        const conn = new jsforce.Connection({
          ...common,
          oauth2: { loginUrl, clientId: auth.clientId, clientSecret: auth.clientSecret },
        });
        await conn.login(auth.username, auth.password);
        return conn;
      }
    }
  } catch (error) {
    throw classifySalesforceError(error, { operation });
  }
}
