/**
 * Classifies a failed Partner Center call, once, into an UpstreamError kind with a message a person
 * can act on. Understands both error envelopes Partner Center uses (`{ error: { code, message } }` on
 * the Referrals API, `{ code, description }` on the classic host) and bodies that are not JSON at all.
 * Messages carry the Partner Center error code and text and both request ids, never a token.
 */
import { type ErrorKind, UpstreamError } from '../shared/upstreamError.ts';

export interface FailedCall {
  /** Which API, for the message: 'Referrals API' or 'Webhooks API'. */
  apiName: string;
  method: string;
  /** Path of the request URL (no host, no query). */
  path: string;
  clientRequestId: string;
  /** The request-id Partner Center returned, when it did. */
  requestId: string | null;
}

export interface FailedResponse {
  status: number;
  body: unknown;
  /** Raw text when the body was not JSON (an HTML error page, say). */
  text: string;
  retryAfterSeconds: number | null;
}

const MAX_DETAIL_CHARS = 300;

/** Pulls `code` and `message` out of any of the error bodies Partner Center sends. */
export function readPartnerCenterErrorBody(
  body: unknown,
  text: string,
): { code: string | null; message: string | null } {
  const record = asRecord(body);
  const nested = asRecord(record?.['error']);
  const code = codeField(nested) ?? codeField(record) ?? stringField(record, 'error');
  const message =
    stringField(nested, 'message') ??
    stringField(record, 'description') ??
    stringField(record, 'message') ??
    stringField(record, 'error_description');
  if (code !== null || message !== null) return { code, message: message && truncate(message) };
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { code: null, message: plain === '' ? null : truncate(plain) };
}

export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status >= 500) return 'transient';
  return 'permanent';
}

/** Partner Center's error code for an App+User token without MFA (enforced since 2026-04-01). */
export const MFA_REQUIRED_CODE = '900421';

/** Whether a refusal means the sign-in lacked MFA (the code, or a message that says so). */
export function isMfaRequired(status: number, code: string | null, message: string | null): boolean {
  if (status !== 401 && status !== 403) return false;
  return code === MFA_REQUIRED_CODE || /\bMFA\b|multi-?factor/i.test(message ?? '');
}

const MFA_NEXT_STEP =
  'The sign-in did not use multifactor authentication, and since 1 April 2026 Partner Center refuses App+User calls without it: make the signed-in user sign in with MFA (a Conditional Access policy or security defaults requiring MFA for them; a service account excluded from MFA cannot be used), then run `cosell connect partner-center` again. The connection stays paused until then.';

function nextStep(status: number, retryAfterSeconds: number | null, apiName: string): string {
  if (status === 401)
    return 'The sign-in was not accepted: run `cosell connect partner-center` to sign in again.';
  if (status === 403 && apiName === 'Webhooks API') {
    return 'The signed-in user is not allowed to manage webhooks: the Webhooks API needs one of the Partner Center roles Billing admin, Admin agent, Sales agent or Helpdesk agent (Account settings > User management), which a Referrals admin often lacks. Grant one and sign in again, or sign a second user in for webhooks (partnerCenter.webhooksSignIn.kind: separateUser, then `cosell connect partner-center --webhooks`).';
  }
  if (status === 403) {
    return 'The signed-in user is not allowed to do this: the user needs the Referrals Admin role in Partner Center (Account settings > User management), then sign in again with `cosell connect partner-center`.';
  }
  if (status === 404) return 'The item does not exist or is not visible to this Partner Center account.';
  if (status === 409) return 'It conflicts with something that already exists.';
  if (status === 412)
    return 'It changed in Partner Center since it was read (eTag mismatch): re-read it and apply the change again.';
  if (status === 429) {
    return retryAfterSeconds === null
      ? 'Partner Center is throttling requests: wait before retrying.'
      : `Partner Center is throttling requests: retry after ${retryAfterSeconds} s.`;
  }
  if (status >= 500 || status === 408)
    return 'Partner Center had a temporary problem: the call can be retried later.';
  return 'The request was rejected: correct the data it names and try again.';
}

export function partnerCenterHttpError(call: FailedCall, response: FailedResponse): UpstreamError {
  const { code, message } = readPartnerCenterErrorBody(response.body, response.text);
  const detail = [code, message].filter((part) => part !== null).join(': ');
  const retryAfterSeconds =
    response.status === 429 || response.status === 503 ? response.retryAfterSeconds : null;
  return new UpstreamError({
    kind: kindForStatus(response.status),
    upstream: 'partnerCenter',
    status: response.status,
    ...(code === null ? {} : { code }),
    ...(call.requestId === null ? {} : { requestId: call.requestId }),
    ...(retryAfterSeconds === null ? {} : { retryAfterSeconds }),
    message:
      `Partner Center ${call.apiName} answered ${call.method} ${call.path} with HTTP ${response.status}` +
      `${detail === '' ? '' : ` (${detail})`}. ${isMfaRequired(response.status, code, message) ? MFA_NEXT_STEP : nextStep(response.status, retryAfterSeconds, call.apiName)} ` +
      requestIds(call),
  });
}

export function partnerCenterNetworkError(
  call: FailedCall,
  cause: unknown,
  timeoutMs: number,
): UpstreamError {
  const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
  const reason = timedOut ? `no answer within ${timeoutMs} ms` : describeNetworkFailure(cause);
  return new UpstreamError({
    kind: 'transient',
    upstream: 'partnerCenter',
    cause,
    message:
      `Could not reach Partner Center ${call.apiName} for ${call.method} ${call.path}: ${reason}. ` +
      `Check the network and the configured Partner Center URL; the call can be retried. ${requestIds(call)}`,
  });
}

function requestIds(call: FailedCall): string {
  return `(client-request-id ${call.clientRequestId}${call.requestId === null ? '' : `, request-id ${call.requestId}`})`;
}

function describeNetworkFailure(cause: unknown): string {
  const inner = cause instanceof Error ? (cause.cause ?? cause) : cause;
  const code = (inner as { code?: unknown } | null)?.code;
  const message = inner instanceof Error ? inner.message : String(inner);
  return typeof code === 'string' ? `${code} ${message}` : message;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function stringField(record: Record<string, unknown> | null, key: string): string | null {
  const value = record?.[key];
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** `code` as a string: the Referrals API uses names, the classic API numbers. */
function codeField(record: Record<string, unknown> | null): string | null {
  const value = record?.['code'];
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : stringField(record, 'code');
}

function truncate(text: string): string {
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text;
}
