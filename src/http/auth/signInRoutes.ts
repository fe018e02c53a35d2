/**
 * The dashboard's sign-in routes: /auth/sign-in sends the browser to Microsoft (authorization code + PKCE,
 * with state and nonce), /auth/callback checks Microsoft's answer and the id token, applies the tenant and
 * allow-list rules and starts a session; /auth/sign-out ends it; /auth/session tells the page who is signed in.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SIGN_IN_CALLBACK_PATH } from '../../config/configSchema.ts';
import { fail, type Result } from '../../shared/result.ts';
import { toError } from '../../shared/upstreamError.ts';
import { crossSiteRefusal } from '../dashboard/sameOrigin.ts';
import { DashboardSessions, randomToken } from './dashboardSessions.ts';
import { codeChallengeOf, type DashboardSignIn, redirectUriFor, secureCookies } from './dashboardSignIn.ts';
import { type IdTokenClaims, type IdTokenRefusal, verifyIdToken } from './idTokenVerifier.ts';
import { cookieName, readCookie, setCookie } from './sessionCookie.ts';
import { type SignInPageText, sendSignInPage } from './signInPage.ts';
import { decideSignIn, isConfiguredTenant, otherTenantRefusal } from './signInPolicy.ts';

/** What GET /auth/session answers. */
export interface SessionAnswer {
  signIn: 'microsoft' | 'off';
  user: { username: string; name: string | null } | null;
}

const START_AGAIN = 'Open the dashboard and choose "Sign in with Microsoft" again.';

/** The signed-in user of this request's session cookie, or null. */
export async function sessionUser(signIn: DashboardSignIn, request: FastifyRequest) {
  return signIn.sessions.user(readCookie(request, cookieName('session', secureCookies(signIn, request))));
}

export async function signInRoutes(app: FastifyInstance, signIn: DashboardSignIn | null): Promise<void> {
  app.get('/auth/session', async (request, reply): Promise<SessionAnswer> => {
    reply.header('cache-control', 'no-store');
    if (!signIn) return { signIn: 'off', user: null };
    const user = await sessionUser(signIn, request);
    return { signIn: 'microsoft', user: user ? { username: user.username, name: user.name } : null };
  });
  if (!signIn) return;
  const secure = (request: FastifyRequest) => secureCookies(signIn, request);

  app.get<{ Querystring: { prompt?: string; return?: string } }>('/auth/sign-in', async (request, reply) => {
    const pending = {
      returnTo: dashboardView(request.query.return),
      state: randomToken(),
      nonce: randomToken(),
      codeVerifier: randomToken(),
      redirectUri: redirectUriFor(signIn, request, SIGN_IN_CALLBACK_PATH),
    };
    let target: string;
    try {
      target = await signIn.provider.authorizeUrl({
        redirectUri: pending.redirectUri,
        state: pending.state,
        nonce: pending.nonce,
        codeChallenge: codeChallengeOf(pending.codeVerifier),
        prompt: request.query.prompt === 'select_account' ? 'select_account' : undefined,
      });
    } catch (error) {
      return sendSignInPage(reply, 503, {
        title: 'Microsoft sign-in is not reachable',
        message: toError(error).message,
        fix: 'Try again in a moment. If it keeps failing, the connector’s admin runs `cosell doctor`, whose “Dashboard sign-in” check names the setting to fix.',
      });
    }
    const value = await signIn.sessions.beginSignIn(pending);
    setCookie(reply, cookieName('signIn', secure(request)), value, {
      maxAgeSeconds: DashboardSessions.signInSeconds,
      secure: secure(request),
    });
    return reply.header('cache-control', 'no-store').redirect(target, 302);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    SIGN_IN_CALLBACK_PATH,
    async (request, reply) => {
      const refuse = (status: number, page: SignInPageText) => {
        signIn.logger.warn({ status, reason: page.title }, 'dashboard sign-in refused');
        return sendSignInPage(reply, status, page);
      };
      const signInCookie = cookieName('signIn', secure(request));
      const pending = await signIn.sessions.takeSignIn(readCookie(request, signInCookie));
      setCookie(reply, signInCookie, '', { maxAgeSeconds: 0, secure: secure(request) });
      const { code, state, error, error_description: errorDescription } = request.query;
      if (!pending || state !== pending.state)
        return refuse(400, {
          title: 'This sign-in cannot be finished',
          message:
            'The answer from Microsoft does not belong to a sign-in started in this browser in the last 10 minutes.',
          fix: START_AGAIN,
        });
      if (error || !code)
        return refuse(401, {
          title: 'Microsoft did not sign you in',
          message: `Microsoft answered: ${errorDescription ?? error ?? 'no authorization code'}.`,
          fix: `${START_AGAIN} If Microsoft names the app registration, its admin checks it (docs/operations.md, “Dashboard sign-in”).`,
        });
      let verified: Result<IdTokenClaims, IdTokenRefusal>;
      try {
        const idToken = await signIn.provider.redeemCode(code, pending.redirectUri, pending.codeVerifier);
        verified = await verifiedClaims(signIn, idToken, pending.nonce);
      } catch (failure) {
        verified = fail({ code: 'malformed', message: toError(failure).message });
      }
      if (!verified.ok) {
        const signedBy = verified.error.signedBy;
        // Signed by Microsoft for another tenant: say so plainly rather than "wrong issuer".
        if (signedBy && !isConfiguredTenant(signedBy.tenantId, signIn.rules))
          return refuse(
            403,
            otherTenantRefusal(signedBy.username ?? 'This account', signedBy.tenantId, signIn.rules),
          );
        return refuse(401, {
          title: 'The sign-in could not be checked',
          message: verified.error.message,
          fix: `${START_AGAIN} If it keeps failing, the connector’s admin checks dashboard.signIn (client id and secret) with docs/troubleshooting.md.`,
        });
      }
      const decision = decideSignIn(verified.value, signIn.rules);
      if (!decision.ok) return refuse(403, decision.refusal);
      const session = await signIn.sessions.start(decision.user);
      setCookie(reply, cookieName('session', secure(request)), session, {
        maxAgeSeconds: signIn.sessions.sessionSeconds,
        secure: secure(request),
      });
      signIn.logger.info({ user: decision.user.username }, 'signed in to the dashboard');
      return reply.header('cache-control', 'no-store').redirect(`/${pending.returnTo}`, 303);
    },
  );

  // The dashboard's sign-out is a plain form (it works without scripts); its body carries nothing we read.
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', (_request, _payload, done) =>
      done(null, {}),
    );
    scope.post('/auth/sign-out', async (request, reply) => {
      const refusal = crossSiteRefusal(request);
      if (refusal) return sendError403(reply, refusal);
      const name = cookieName('session', secure(request));
      await signIn.sessions.end(readCookie(request, name));
      setCookie(reply, name, '', { maxAgeSeconds: 0, secure: secure(request) });
      return reply.header('cache-control', 'no-store').redirect('/', 303);
    });
  });
}

/** A dashboard view to come back to after signing in (`#/deals/…`); anything else is ignored (no open redirect). */
function dashboardView(hash: string | undefined): string {
  return hash && /^#\/[A-Za-z0-9/_.%-]*$/.test(hash) ? hash : '';
}

function sendError403(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(403).send({ error: { code: 'forbidden', message } });
}

/** The id token's claims once it verifies; fetches the issuer's keys again once when it names a new key. */
async function verifiedClaims(
  signIn: DashboardSignIn,
  idToken: string,
  nonce: string,
): Promise<Result<IdTokenClaims, IdTokenRefusal>> {
  const { issuer } = await signIn.provider.metadata();
  const check = async (refreshKeys: boolean) =>
    verifyIdToken(idToken, {
      issuer,
      audience: signIn.provider.clientId,
      nonce,
      nowSeconds: Math.floor(signIn.clock.now().getTime() / 1000),
      keys: await signIn.provider.signingKeys(refreshKeys),
    });
  const verified = await check(false);
  return !verified.ok && verified.error.code === 'unknown_key' ? check(true) : verified;
}
