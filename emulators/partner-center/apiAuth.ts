import type { FastifyReply, FastifyRequest } from 'fastify';
import { type IdentityProvider, REFERRALS_ROLES } from './identityProvider.ts';
import { sendPcError } from './pcError.ts';
import type { TokenIssuer } from './tokenIssuer.ts';

export type Principal =
  | { kind: 'user'; username: string; roles: string[] }
  | { kind: 'app'; clientId: string };

export type ApiName = 'referrals' | 'webhooks';

/**
 * Bearer-token check for one API: signature, expiry, audience, then the caller's Partner Center roles.
 * Sends the 401/403 itself and returns null when the request must stop.
 */
export function authenticate(
  request: FastifyRequest,
  reply: FastifyReply,
  api: ApiName,
  audience: string,
  issuer: TokenIssuer,
  identity: IdentityProvider,
): Principal | null {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
  if (!match?.[1]) {
    reply.header('www-authenticate', 'Bearer');
    sendPcError(
      reply,
      401,
      'unauthenticated',
      'No bearer token was sent. Sign in and send Authorization: Bearer <token>.',
    );
    return null;
  }
  const verified = issuer.verify(match[1], [audience]);
  if (!verified.ok) {
    reply.header(
      'www-authenticate',
      `Bearer error="invalid_token", error_description="${verified.error.code}"`,
    );
    sendPcError(reply, 401, 'unauthenticated', verified.error.message);
    return null;
  }
  const claims = verified.value;
  if (claims['idtyp'] === 'app') {
    if (api === 'referrals') {
      sendPcError(
        reply,
        403,
        'accessDenied',
        'The Referrals API supports only user (App+User) tokens. Sign in as a user.',
      );
      return null;
    }
    return { kind: 'app', clientId: String(claims['appid']) };
  }
  const user = identity.findUserByOid(String(claims['oid']));
  if (!user) {
    sendPcError(reply, 401, 'unauthenticated', 'The token belongs to an unknown user. Sign in again.');
    return null;
  }
  const allowed =
    api === 'referrals'
      ? user.roles.some((role) => (REFERRALS_ROLES as readonly string[]).includes(role))
      : user.roles.length > 0;
  if (!allowed) {
    sendPcError(
      reply,
      403,
      'accessDenied',
      api === 'referrals'
        ? `User ${user.username} has no Referrals role. Ask a Partner Center admin to grant Referrals admin or Referrals user.`
        : `User ${user.username} has no Partner Center role that may manage webhooks. Ask an admin to grant one.`,
    );
    return null;
  }
  return { kind: 'user', username: user.username, roles: user.roles };
}
