import { createHash, randomBytes } from 'node:crypto';
import jsforce from 'jsforce';
import { classifySalesforceError } from './classifySalesforceError.ts';
import {
  resolveLoginUrl,
  type SalesforceConnectionOptions,
  userInfoFromIdentityUrl,
} from './salesforceConnection.ts';

/**
 * The web-server (authorization code + PKCE) flow that yields the refresh token the `refreshToken` auth flow
 * uses: send the admin to `url`, receive `code` on the redirect URI, then exchange it.
 */
export interface SalesforceAuthorizationRequest {
  url: string;
  /** Keep it for the exchange; never log it. */
  codeVerifier: string;
  state: string;
}

export interface SalesforceAuthorizationClient {
  loginUrl: SalesforceConnectionOptions['loginUrl'];
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
}

export function salesforceAuthorizationRequest(
  client: SalesforceAuthorizationClient,
): SalesforceAuthorizationRequest {
  const codeVerifier = randomBytes(48).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const url = new URL(`${resolveLoginUrl(client.loginUrl)}/services/oauth2/authorize`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', client.redirectUri);
  url.searchParams.set('scope', 'api refresh_token');
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', createHash('sha256').update(codeVerifier).digest('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  return { url: url.toString(), codeVerifier, state };
}

export interface SalesforceGrant {
  refreshToken: string;
  instanceUrl: string;
  userId: string;
  organizationId: string;
}

/** Exchanges the code from the redirect for a refresh token (to be stored encrypted). */
export async function exchangeSalesforceAuthorizationCode(
  client: SalesforceAuthorizationClient,
  code: string,
  codeVerifier: string,
): Promise<SalesforceGrant> {
  const loginUrl = resolveLoginUrl(client.loginUrl);
  const oauth2 = new jsforce.OAuth2({
    loginUrl,
    clientId: client.clientId,
    redirectUri: client.redirectUri,
    ...(client.clientSecret === undefined ? {} : { clientSecret: client.clientSecret }),
  });
  try {
    const res = await oauth2.requestToken(code, { code_verifier: codeVerifier });
    if (!res.refresh_token) {
      throw new Error(
        'Salesforce issued no refresh token: add the "refresh_token, offline_access" scope to the connected app',
      );
    }
    const { id: userId, organizationId } = userInfoFromIdentityUrl(res.id);
    return { refreshToken: res.refresh_token, instanceUrl: res.instance_url, userId, organizationId };
  } catch (error) {
    throw classifySalesforceError(error, {
      operation: `Exchanging the Salesforce authorization code at ${loginUrl}`,
    });
  }
}
