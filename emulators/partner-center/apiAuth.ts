import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasRoleFor, REFERRALS_ROLES, WEBHOOKS_ROLES } from './emulatorUsers.ts';
import type { IdentityProvider } from './identityProvider.ts';
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
  const amr = Array.isArray(claims['amr']) ? claims['amr'] : [];
  if (!amr.includes('mfa')) {
    sendMfaRequired(reply, api);
    return null;
  }
  if (!hasRoleFor(user, api === 'referrals' ? REFERRALS_ROLES : WEBHOOKS_ROLES)) {
    sendPcError(
      reply,
      403,
      'accessDenied',
      api === 'referrals'
        ? `User ${user.username} has no Referrals role. Ask a Partner Center admin to grant Referral admin or Referral user.`
        : `User ${user.username} has none of the roles the Webhooks API accepts (Billing admin, Admin agent, Sales agent, Helpdesk agent). Ask a Partner Center admin to grant one.`,
    );
    return null;
  }
  return { kind: 'user', username: user.username, roles: user.roles };
}

/** MFA_REQUIRED_CODE: Partner Center's answer to an App+User token without `mfa` in `amr` (enforced since 2026-04-01). */
export const MFA_REQUIRED_CODE = 900421;
const MFA_REQUIRED_MESSAGE =
  'Multifactor authentication is required for App+User calls: the access token carries no MFA claim. Sign in again with MFA.';

/** 401 with error code 900421, in the Referrals API's envelope or the classic (Webhooks) one. */
function sendMfaRequired(reply: FastifyReply, api: ApiName): void {
  reply.header('www-authenticate', 'Bearer error="invalid_token", error_description="mfa_required"');
  if (api === 'referrals') {
    sendPcError(reply, 401, '900421', MFA_REQUIRED_MESSAGE);
    return;
  }
  reply
    .code(401)
    .send({ code: MFA_REQUIRED_CODE, description: MFA_REQUIRED_MESSAGE, data: [], source: 'PartnerFD' });
}
