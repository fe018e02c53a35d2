import type { FastifyReply } from 'fastify';

/** Referrals API error codes (spec §4). */
export type PcErrorCode =
  | 'accessDenied'
  | 'generalException'
  | 'invalidRequest'
  | 'itemNotFound'
  | 'preconditionFailed'
  | 'preconditionRequired'
  | 'resourceModified'
  | 'serviceNotAvailable'
  | 'unauthenticated'
  | 'conflict'
  | 'tooManyRequests'
  /** MFA required (Partner Center answers App+User tokens without MFA with 401 and this code). */
  | '900421';

export interface PcErrorBody {
  error: { code: string; message: string; target: string | null };
}

export function pcErrorBody(
  code: PcErrorCode | string,
  message: string,
  target: string | null = null,
): PcErrorBody {
  return { error: { code, message, target } };
}

export function sendPcError(
  reply: FastifyReply,
  status: number,
  code: PcErrorCode,
  message: string,
  target: string | null = null,
): FastifyReply {
  return reply.code(status).send(pcErrorBody(code, message, target));
}

/** The envelope for a status injected by the fault injector. */
export function pcErrorForStatus(status: number): PcErrorBody {
  if (status === 429) return pcErrorBody('tooManyRequests', 'Rate limit is exceeded. Try again later.');
  if (status === 401)
    return pcErrorBody('unauthenticated', 'The access token is missing, invalid or expired.');
  if (status === 403) return pcErrorBody('accessDenied', 'The user does not have access to this resource.');
  if (status === 503)
    return pcErrorBody('serviceNotAvailable', 'The service is temporarily unavailable. Try again later.');
  if (status >= 500) return pcErrorBody('generalException', 'An internal error occurred. Try again later.');
  return pcErrorBody('invalidRequest', `The request failed with status ${status}.`);
}
