/**
 * Checks an Entra ID `/authorize` request the way the real endpoint does, before anyone signs in:
 * an unknown app or an unregistered redirect URI shows an error page (nothing is redirected);
 * everything else that is wrong goes back to the app's redirect URI as `error` + `error_description`.
 */

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string | null;
  responseType: string | null;
  responseMode: string | null;
  scopes: string[];
  state: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  loginHint: string | null;
}

export interface AppRegistrations {
  publicClientId: string;
  confidentialClientId: string;
  /** Registered besides the loopback addresses. */
  redirectUris: readonly string[];
}

export type ResponseMode = 'query' | 'form_post';

export type AuthorizationCheck =
  | { kind: 'page'; message: string }
  | { kind: 'error'; redirectUri: string; responseMode: ResponseMode; error: string; description: string }
  | {
      kind: 'ok';
      redirectUri: string;
      responseMode: ResponseMode;
      codeChallenge: string | null;
      codeChallengeMethod: 'S256' | 'plain';
    };

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** Entra lets native apps use any port (and path) on a loopback http address. */
export function isLoopbackRedirect(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname);
  } catch {
    return false;
  }
}

export function checkAuthorizationRequest(
  request: AuthorizationRequest,
  apps: AppRegistrations,
): AuthorizationCheck {
  const isPublic = request.clientId === apps.publicClientId;
  if (!isPublic && request.clientId !== apps.confidentialClientId) {
    return {
      kind: 'page',
      message: `AADSTS700016: Application with identifier '${request.clientId}' was not found in the directory. Check the client id.`,
    };
  }
  const redirectUri = request.redirectUri;
  if (!redirectUri) {
    return {
      kind: 'page',
      message: "AADSTS900144: The request body must contain the following parameter: 'redirect_uri'.",
    };
  }
  if (!isLoopbackRedirect(redirectUri) && !apps.redirectUris.includes(redirectUri)) {
    return {
      kind: 'page',
      message: `AADSTS50011: The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${request.clientId}'. Register it on the app, or use a loopback address (http://localhost:<port>).`,
    };
  }
  const responseMode: ResponseMode = request.responseMode === 'form_post' ? 'form_post' : 'query';
  const refuse = (error: string, description: string): AuthorizationCheck => ({
    kind: 'error',
    redirectUri,
    responseMode,
    error,
    description,
  });
  if (request.responseType !== 'code') {
    return refuse(
      'unsupported_response_type',
      `AADSTS700054: response_type '${request.responseType ?? ''}' is not enabled for the application; use response_type=code.`,
    );
  }
  if (request.responseMode !== null && !['query', 'form_post'].includes(request.responseMode)) {
    return refuse(
      'invalid_request',
      `AADSTS900144: response_mode '${request.responseMode}' is not supported.`,
    );
  }
  const requested = request.codeChallengeMethod ?? 'plain';
  const method = requested === 'S256' || requested === 'plain' ? requested : null;
  if (request.codeChallenge !== null && method === null) {
    return refuse('invalid_request', `AADSTS501491: Invalid code_challenge_method '${requested}'; use S256.`);
  }
  if (isPublic && request.codeChallenge === null) {
    return refuse(
      'invalid_request',
      'AADSTS9002325: Proof Key for Code Exchange is required for this public client. Send code_challenge and code_challenge_method=S256.',
    );
  }
  return {
    kind: 'ok',
    redirectUri,
    responseMode,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: method ?? 'plain',
  };
}
