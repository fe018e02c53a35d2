/** Everything the dashboard's "Sign in with Microsoft" needs, built once by the composition root. */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import type { DashboardSessions } from './dashboardSessions.ts';
import type { OpenIdProvider } from './openIdProvider.ts';
import type { SignInRules } from './signInPolicy.ts';

export interface DashboardSignIn {
  provider: OpenIdProvider;
  sessions: DashboardSessions;
  rules: SignInRules;
  /** The registered redirect URI, or null to use the address the browser came to (loopback only). */
  redirectUrl: string | null;
  clock: Clock;
  logger: Logger;
}

/** The redirect URI of this sign-in. */
export function redirectUriFor(
  signIn: DashboardSignIn,
  request: FastifyRequest,
  callbackPath: string,
): string {
  return signIn.redirectUrl ?? `${request.protocol}://${request.host}${callbackPath}`;
}

/** Cookies are Secure whenever the dashboard is reached over HTTPS (directly or through a TLS proxy). */
export function secureCookies(signIn: DashboardSignIn | null, request: FastifyRequest): boolean {
  if (signIn?.redirectUrl) return signIn.redirectUrl.startsWith('https:');
  return request.protocol === 'https';
}

/** The PKCE S256 challenge of a verifier. */
export function codeChallengeOf(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
