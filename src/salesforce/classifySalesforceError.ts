import { type ErrorKind, UpstreamError } from '../shared/upstreamError.ts';
import { packageApiNames } from './salesforceFieldNames.ts';
import {
  explainSalesforceRejection,
  ORG_RULE_CODES,
  type SalesforceRejection,
  SalesforceRejectionError,
} from './salesforceRejection.ts';

/** Salesforce answers REQUEST_LIMIT_EXCEEDED without Retry-After; the daily budget is rolling, so back off a while. */
export const DAILY_LIMIT_RETRY_AFTER_SECONDS = 15 * 60;
/** The concurrent long-running-request limit clears as soon as other requests finish. */
export const CONCURRENCY_LIMIT_RETRY_AFTER_SECONDS = 60;

/**
 * The longest Retry-After honoured: a longer one is waited this long, then the call is tried again (at worst it is
 * throttled once more). The same as the daily-limit back-off, so no answer parks a job for longer.
 */
export const MAX_RETRY_AFTER_SECONDS = DAILY_LIMIT_RETRY_AFTER_SECONDS;

export interface SalesforceErrorContext {
  /** What the connector was doing, e.g. "update Opportunity 006…". Starts the message. */
  operation: string;
  /** Field API names that come from salesforce-package/: an INVALID_FIELD on one of them means "install". */
  packageFieldNames?: readonly string[];
  /** The Retry-After of the answer (429 or 503), in seconds; null or absent when it had none. */
  retryAfterSeconds?: number | null;
}

const AUTH_CODES = new Set([
  'INVALID_SESSION_ID',
  'INVALID_AUTH_HEADER',
  'invalid_grant',
  'invalid_client',
  'invalid_client_id',
  'invalid_client_credentials',
  'unauthorized_client',
  'unsupported_grant_type',
  'inactive_user',
  'inactive_org',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'INVALID_LOGIN',
  'LOGIN_MUST_USE_SECURITY_TOKEN',
]);
const TRANSIENT_CODES = new Set([
  'UNABLE_TO_LOCK_ROW',
  'SERVER_UNAVAILABLE',
  'UNKNOWN_EXCEPTION',
  'REQUEST_RUNNING_TOO_LONG',
  'QUERY_TIMEOUT',
  'TXN_SECURITY_NO_ACCESS_TIMEOUT',
]);
/** DUPLICATES_DETECTED (a duplicate rule) is not here: retrying the same record never passes the rule. */
const CONFLICT_CODES = new Set(['PRECONDITION_FAILED', 'DUPLICATE_VALUE', 'MULTIPLE_CHOICES']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The error kind of a Salesforce error code (REST errorCode, collection statusCode, OAuth error, SOAP faultcode). */
export function kindOfSalesforceCode(code: string): ErrorKind {
  const bare = code.replace(/^[a-z]+:/, '');
  if (AUTH_CODES.has(bare)) return 'auth';
  if (bare === 'REQUEST_LIMIT_EXCEEDED') return 'rate_limited';
  if (TRANSIENT_CODES.has(bare) || NETWORK_CODES.has(bare)) return 'transient';
  if (CONFLICT_CODES.has(bare)) return 'conflict';
  const httpStatus = /^ERROR_HTTP_(\d{3})$/.exec(bare)?.[1];
  if (httpStatus !== undefined) {
    const status = Number(httpStatus);
    if (status === 401) return 'auth';
    if (status === 429 || status === 420) return 'rate_limited';
    if (status >= 500 || status === 408) return 'transient';
    if (status === 409 || status === 412) return 'conflict';
  }
  return 'permanent';
}

interface JsforceLikeError {
  name?: unknown;
  errorCode?: unknown;
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

interface WireApiError {
  errorCode?: string;
  statusCode?: string;
  message?: string;
  fields?: unknown;
  duplicateResult?: { duplicateRule?: unknown };
}

/** The error entries of a jsforce error's `data`: the element itself (one error) or the array (several). */
function apiErrorsOf(data: unknown): WireApiError[] {
  const entries = Array.isArray(data) ? data : data && typeof data === 'object' ? [data] : [];
  return entries.filter((entry): entry is WireApiError => !!entry && typeof entry === 'object');
}

function fieldsOf(entry: WireApiError): string[] {
  return Array.isArray(entry.fields)
    ? entry.fields.filter((name): name is string => typeof name === 'string')
    : [];
}

/** The org-rule rejection behind one or several error entries that all come from the org's rules. */
function orgRuleRejection(
  code: string,
  detail: string,
  entries: readonly WireApiError[],
): SalesforceRejection | null {
  const codes = entries.map((entry) => entry.errorCode ?? entry.statusCode ?? code);
  if (entries.length === 0)
    return ORG_RULE_CODES.has(code)
      ? explainSalesforceRejection({ code, message: detail, fields: [] })
      : null;
  if (!codes.every((entryCode) => ORG_RULE_CODES.has(entryCode))) return null;
  const [first, ...rest] = entries.map((entry, index) => {
    const rule = entry.duplicateResult?.duplicateRule;
    return explainSalesforceRejection({
      code: codes[index] ?? code,
      message: safeDetail(entry.message ?? detail),
      fields: fieldsOf(entry),
      duplicateRule: typeof rule === 'string' ? rule : null,
    });
  });
  if (!first) return null;
  if (rest.length === 0) return first;
  const all = [first, ...rest];
  return {
    ...first,
    fields: [...new Set(all.flatMap((entry) => entry.fields))],
    salesforceMessage: all.map((entry) => entry.salesforceMessage).join(' | '),
    summary: all.map((entry) => entry.summary).join('; '),
    fix: [...new Set(all.map((entry) => entry.fix))].join(' '),
  };
}

/** Salesforce message text, shortened, with anything token-like removed. Never the HTML of an error page. */
function safeDetail(text: string): string {
  return text
    .replace(/Bearer\s+[^\s"']+/gi, 'Bearer [redacted]')
    .replace(
      /(access_token|refresh_token|sessionId|assertion|client_secret)([=:"'\s>]+)[^\s&"'<]+/gi,
      '$1$2[redacted]',
    )
    .replace(/00D[A-Za-z0-9]{12,15}![^\s"'<]+/g, '[redacted session]')
    .slice(0, 300);
}

/** Said instead of the error text when Salesforce's answer carried none. */
export const EMPTY_BODY_EXPLANATION =
  'the answer had no error message; an empty error body usually comes from a proxy, a firewall or a wrong instance URL between this machine and Salesforce, not from Salesforce itself: check salesforce.loginUrl and any proxy';

function looksLikeHtml(text: string): boolean {
  return /^\s*</.test(text) && /<(html|body|head|!doctype)/i.test(text);
}

/** The single place where anything jsforce (or the network) throws becomes an UpstreamError. */
export function classifySalesforceError(error: unknown, context: SalesforceErrorContext): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const e = (error ?? {}) as JsforceLikeError;
  const rawMessage = typeof e.message === 'string' ? e.message : String(error);
  let code =
    typeof e.errorCode === 'string'
      ? e.errorCode
      : typeof e.code === 'string'
        ? e.code
        : typeof e.name === 'string' && e.name !== 'Error'
          ? e.name
          : '';
  let detail = rawMessage;
  const entries = apiErrorsOf(e.data);
  if (code === 'MULTIPLE_API_ERRORS') {
    const first = entries[0];
    code = first?.errorCode ?? code;
    detail = first?.message ?? rawMessage;
  }
  const op = context.operation;
  const askedSeconds =
    context.retryAfterSeconds === null || context.retryAfterSeconds === undefined
      ? null
      : Math.min(context.retryAfterSeconds, MAX_RETRY_AFTER_SECONDS);
  const askedToWait = askedSeconds === null ? {} : { retryAfterSeconds: askedSeconds };
  const init = (kind: ErrorKind, message: string, extra: { retryAfterSeconds?: number } = {}) =>
    new UpstreamError({
      kind,
      upstream: 'salesforce',
      message,
      ...(code ? { code } : {}),
      cause: error,
      ...extra,
    });

  if (rawMessage.startsWith('Unable to refresh session')) {
    return init(
      'auth',
      `${op} failed: the Salesforce session expired and signing in again failed (${safeDetail(rawMessage.replace(/^Unable to refresh session due to:\s*/, ''))}). Check the connected app and the integration user, then run \`cosell connect salesforce\`.`,
    );
  }
  if (rawMessage.includes('HTTP response contains html content') || looksLikeHtml(rawMessage)) {
    return init(
      'transient',
      `${op} failed: Salesforce answered with an HTML page instead of API data${code ? ` (${code})` : ''}. This is usually a maintenance page, a proxy, or a wrong instance/login URL, and often passes. If it persists, check salesforce.loginUrl in cosell.yaml.`,
      askedToWait,
    );
  }
  if (rawMessage.startsWith('Polling time out')) {
    return init('transient', `${op} did not finish in time in Salesforce; it will be checked again.`);
  }
  const kind = code ? kindOfSalesforceCode(code) : e.name === 'FetchError' ? 'transient' : 'permanent';
  const text = detail.trim() === '' ? EMPTY_BODY_EXPLANATION : safeDetail(detail);
  switch (kind) {
    case 'auth':
      return init(
        'auth',
        `${op} failed: Salesforce refused the credentials (${code}: ${text}). Check the connected app, the integration user and its API access, then run \`cosell connect salesforce\`.`,
      );
    case 'rate_limited': {
      if (askedSeconds !== null)
        return init(
          'rate_limited',
          `${op} failed: Salesforce is limiting requests (${code}: ${text}) and asked to wait ${askedSeconds} s; it is tried again then.`,
          askedToWait,
        );
      const concurrent = /ConcurrentPerOrgLongTxn|concurrent/i.test(text);
      const retryAfterSeconds = concurrent
        ? CONCURRENCY_LIMIT_RETRY_AFTER_SECONDS
        : DAILY_LIMIT_RETRY_AFTER_SECONDS;
      return init(
        'rate_limited',
        concurrent
          ? `${op} failed: too many long-running Salesforce requests at once (${text}). Wait ${retryAfterSeconds} s before trying again.`
          : `${op} failed: the Salesforce org has used up its daily API request limit (${text}). Wait ${retryAfterSeconds / 60} min before trying again; raise the org's API limit or lower the poll frequency if this keeps happening.`,
        { retryAfterSeconds },
      );
    }
    case 'transient':
      return init(
        'transient',
        `${op} failed for now (${code || 'network error'}: ${text}); this is usually temporary.${askedSeconds === null ? '' : ` Salesforce asked to wait ${askedSeconds} s.`}`,
        askedToWait,
      );
    case 'conflict':
      return init(
        'conflict',
        code === 'MULTIPLE_CHOICES'
          ? `${op} matched several Salesforce records (${text}); only one may hold this external id. Merge or clear the duplicates, then retry.`
          : `${op} conflicted with a change made in Salesforce at the same time (${code}: ${text}); the record will be read again and merged.`,
      );
    default: {
      const rejection = orgRuleRejection(code, text, entries);
      if (rejection) {
        return new SalesforceRejectionError(
          {
            kind: 'permanent',
            upstream: 'salesforce',
            message: `${op} failed: ${rejection.summary}. ${rejection.fix}`,
            code,
            cause: error,
          },
          rejection,
        );
      }
      return init('permanent', permanentMessage(op, code, text, context));
    }
  }
}

function permanentMessage(op: string, code: string, text: string, context: SalesforceErrorContext): string {
  const packageFields = context.packageFieldNames ?? packageApiNames();
  const mentionsPackage = packageFields.some((name) => text.includes(name));
  if ((code === 'INVALID_FIELD' || code === 'INVALID_TYPE' || code === 'NOT_FOUND') && mentionsPackage) {
    return `${op} failed: the Partner Center fields are missing or not visible to the integration user (${code}: ${text}). Run \`cosell salesforce install\`.`;
  }
  if (code === 'INVALID_FIELD' || code === 'INVALID_TYPE') {
    return `${op} failed: Salesforce does not know a field or object used by the mapping (${code}: ${text}). Fix the API name in the mapping file, or check the integration user's field access.`;
  }
  return `${op} was rejected by Salesforce (${code || 'error'}: ${text}). Fix the record or the mapping, then retry it.`;
}
