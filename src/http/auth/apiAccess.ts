/**
 * Who may use /api: a script or the CLI with `Authorization: Bearer <server.adminToken>`, or a browser signed in
 * to the dashboard (session cookie; its changes must come from the dashboard page). With neither configured the
 * API stays open, as it is on loopback in the sandbox.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionChangeRefusal } from '../dashboard/sameOrigin.ts';
import type { SendError } from '../routes/adminReplies.ts';
import type { DashboardSignIn } from './dashboardSignIn.ts';
import { sessionUser } from './signInRoutes.ts';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares in constant time (digests of equal length), so the answer time says nothing about the token. */
export function bearerMatches(authorization: string | undefined, adminToken: string): boolean {
  if (authorization === undefined) return false;
  return timingSafeEqual(digest(authorization), digest(`Bearer ${adminToken}`));
}

export function apiAccessHook(options: {
  adminToken: string | undefined;
  signIn: DashboardSignIn | null;
  sendError: SendError;
}): ((request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>) | null {
  const { adminToken, signIn, sendError } = options;
  if (!adminToken && !signIn) return null;
  const howTo = signIn
    ? 'sign in to the dashboard with Microsoft, or send Authorization: Bearer <server.adminToken>'
    : 'send Authorization: Bearer <server.adminToken>';
  return async (request, reply) => {
    if (adminToken && bearerMatches(request.headers.authorization, adminToken)) return undefined;
    if (signIn && (await sessionUser(signIn, request))) {
      const refusal = sessionChangeRefusal(request);
      return refusal ? sendError(reply, 403, 'forbidden', refusal) : undefined;
    }
    return sendError(reply, 401, 'unauthorized', howTo);
  };
}
