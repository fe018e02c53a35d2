/**
 * The admin API's bearer-token check (server.adminToken). The token is compared in constant time over
 * fixed-length SHA-256 digests, so neither its content nor its length leaks through timing. Wrong tokens
 * are counted per client address; past the limit the address gets 429 with Retry-After until its window ends,
 * whatever it sends.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FailedAttemptLimiter, type FailedAttemptLimiterOptions } from './failedAttemptLimiter.ts';
import { sendError } from './routes/adminReplies.ts';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** True when the Authorization header is `Bearer <expected>`; constant time in the token. */
export function adminTokenMatches(expected: string, authorization: string | undefined): boolean {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '';
  // Both sides are always hashed and compared, even when no token was sent.
  const same = timingSafeEqual(digest(presented), digest(expected));
  return same && presented !== '';
}

/** An onRequest hook that lets a request through only with the admin token. */
export function adminTokenCheck(
  expected: string,
  limits: FailedAttemptLimiterOptions = {},
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const limiter = new FailedAttemptLimiter(limits);
  return async (request, reply) => {
    const retryAfter = limiter.retryAfterSeconds(request.ip);
    if (retryAfter !== null) {
      reply.header('retry-after', String(retryAfter));
      return sendError(
        reply,
        429,
        'rate_limited',
        `too many wrong admin tokens from ${request.ip}; try again in ${retryAfter} s with the token in server.adminToken`,
      );
    }
    if (adminTokenMatches(expected, request.headers.authorization)) return undefined;
    // A request with no token is not a guess (the dashboard asks for the token that way); a wrong one is.
    if (request.headers.authorization !== undefined) limiter.recordFailure(request.ip);
    return sendError(reply, 401, 'unauthorized', 'send Authorization: Bearer <server.adminToken>');
  };
}
