/**
 * Who may use /api: a script or the CLI with `Authorization: Bearer <server.adminToken>`, or a browser signed in
 * to the dashboard (session cookie; its changes must come from the dashboard page). With neither configured the
 * API stays open, as it is on loopback in the sandbox.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionChangeRefusal } from '../dashboard/sameOrigin.ts';
import { FailedAttemptLimiter } from '../failedAttemptLimiter.ts';
import type { SendError } from '../routes/adminReplies.ts';
import { adminTokenMatches } from './adminTokenMatches.ts';
import type { DashboardSignIn } from './dashboardSignIn.ts';
import { sessionUser } from './signInRoutes.ts';

export function apiAccessHook(options: {
  adminToken: string | undefined;
  signIn: DashboardSignIn | null;
  sendError: SendError;
  /** The clock of the wrong-token limit (ms). */
  nowMs?: () => number;
}): ((request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>) | null {
  const { adminToken, signIn, sendError } = options;
  if (!adminToken && !signIn) return null;
  const howTo = signIn
    ? 'sign in to the dashboard with Microsoft, or send Authorization: Bearer <server.adminToken>'
    : 'send Authorization: Bearer <server.adminToken>';
  // Wrong admin tokens are counted per client address; past the limit the address gets 429 with Retry-After
  // until its window ends, whatever it sends.
  const wrongTokens = adminToken
    ? new FailedAttemptLimiter(options.nowMs ? { now: options.nowMs } : {})
    : null;
  return async (request, reply) => {
    if (adminToken && wrongTokens) {
      const retryAfter = wrongTokens.retryAfterSeconds(request.ip);
      if (retryAfter !== null) {
        reply.header('retry-after', String(retryAfter));
        return sendError(
          reply,
          429,
          'rate_limited',
          `too many wrong admin tokens from ${request.ip}; try again in ${retryAfter} s with the token in server.adminToken`,
        );
      }
      if (adminTokenMatches(adminToken, request.headers.authorization)) return undefined;
    }
    if (signIn && (await sessionUser(signIn, request))) {
      const refusal = sessionChangeRefusal(request);
      return refusal ? sendError(reply, 403, 'forbidden', refusal) : undefined;
    }
    // A request with no token is not a guess (the dashboard asks that way); a wrong one is.
    if (wrongTokens && request.headers.authorization !== undefined) wrongTokens.recordFailure(request.ip);
    return sendError(reply, 401, 'unauthorized', howTo);
  };
}
