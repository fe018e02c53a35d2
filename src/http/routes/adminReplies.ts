/** Error answers of the admin API: `{ error: { code, message } }` with a closed set of codes. */
import type { FastifyReply } from 'fastify';
import { UpstreamError } from '../../shared/upstreamError.ts';
import type { AdminErrorCode } from '../adminTypes.ts';
import { problemFix } from '../dashboard/problemFix.ts';

export type SendError = (
  reply: FastifyReply,
  status: number,
  code: AdminErrorCode,
  message: string,
) => FastifyReply;

export const sendError: SendError = (reply, status, code, message) =>
  reply.code(status).send({ error: { code, message } });

/** A read of Partner Center or Salesforce failed: 502 with what failed and the fix for its kind. */
export function upstreamFailure(
  reply: FastifyReply,
  send: SendError,
  doing: string,
  error: unknown,
): FastifyReply {
  if (!(error instanceof UpstreamError)) throw error;
  const side =
    error.upstream === 'salesforce'
      ? 'Salesforce'
      : error.upstream === 'store'
        ? 'the store'
        : 'Partner Center';
  return send(
    reply,
    502,
    'unavailable',
    `Could not ${doing}: ${side} answered: ${error.message} ${problemFix(error.kind)}`,
  );
}
