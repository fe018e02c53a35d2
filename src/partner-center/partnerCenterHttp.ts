/**
 * The HTTP core both Partner Center clients share: bearer token from an injected provider, tracing
 * headers (a new `client-request-id` per call, a stable `MS-CorrelationId`), a timeout, error
 * classification through partnerCenterError.ts, and bounded retries for reads only. A write is sent
 * at most once, except that a 401 (the request was not processed) is retried once with a fresh token.
 */
import { randomUUID } from 'node:crypto';
import { type Dispatcher, request as undiciRequest } from 'undici';
import { type Logger, silentLogger } from '../shared/logger.ts';
import { parseRetryAfterSeconds } from '../shared/parseRetryAfterSeconds.ts';
import { UpstreamError } from '../shared/upstreamError.ts';
import { type FailedCall, partnerCenterHttpError, partnerCenterNetworkError } from './partnerCenterError.ts';

/** Returns a bearer token for the API's audience; `forceRefresh` asks for a new one (after a 401). */
export type AccessTokenProvider = (options: { forceRefresh: boolean }) => Promise<string>;

export interface PartnerCenterHttpOptions {
  /** API origin plus base path, e.g. `https://api.partner.microsoft.com/v1.0/engagements`. */
  baseUrl: string;
  /** Name used in error messages, e.g. 'Referrals API'. */
  apiName: string;
  getAccessToken: AccessTokenProvider;
  /** Per attempt. Default 30 000. */
  timeoutMs?: number;
  /** An undici dispatcher (e.g. an Agent trusting a test CA). */
  dispatcher?: Dispatcher;
  /** Sent as MS-CorrelationId on every call. Default: a new GUID per client. */
  correlationId?: string;
  /** Attempts for a GET, including the first. Default 4. */
  maxReadAttempts?: number;
  /** First backoff delay; doubles per attempt, with full jitter. Default 500. */
  retryBaseDelayMs?: number;
  /** A GET throttled for longer than this is not retried here: it surfaces as rate_limited. Default 10. */
  maxRetryAfterSeconds?: number;
  logger?: Logger;
}

/** What the Referrals and Webhooks clients take: the HTTP options, with a default base URL per API. */
export type PartnerCenterClientOptions = Omit<PartnerCenterHttpOptions, 'baseUrl' | 'apiName'> & {
  /** Default: Microsoft's production API for that client. */
  baseUrl?: string;
};

export interface PartnerCenterRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to baseUrl (`/referrals/1`), or an absolute URL on the same host (an @odata.nextLink). */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface PartnerCenterResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null for an empty body. */
  body: unknown;
}

type AttemptOutcome =
  | { response: PartnerCenterResponse }
  | { error: UpstreamError; retryAfterSeconds: number | null };

export class PartnerCenterHttp {
  private readonly base: URL;
  private readonly timeoutMs: number;
  private readonly correlationId: string;
  private readonly maxReadAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxRetryAfterSeconds: number;
  private readonly logger: Logger;

  constructor(private readonly options: PartnerCenterHttpOptions) {
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.correlationId = options.correlationId ?? randomUUID();
    this.maxReadAttempts = Math.max(1, options.maxReadAttempts ?? 4);
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
    this.maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 10;
    this.logger = options.logger ?? silentLogger;
  }

  /** Sends the request; resolves with a 2xx response or throws a classified UpstreamError. */
  async send(request: PartnerCenterRequest): Promise<PartnerCenterResponse> {
    const url = this.resolve(request);
    const maxAttempts = request.method === 'GET' ? this.maxReadAttempts : 1;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attemptWithFreshTokenOn401(request, url);
      if ('response' in outcome) return outcome.response;
      const { error, retryAfterSeconds } = outcome;
      const retryable =
        error.kind === 'transient' ||
        (error.kind === 'rate_limited' && (retryAfterSeconds ?? 0) <= this.maxRetryAfterSeconds);
      if (!retryable || attempt >= maxAttempts) throw error;
      const delayMs =
        retryAfterSeconds !== null
          ? retryAfterSeconds * 1000
          : Math.round(Math.random() * this.retryBaseDelayMs * 2 ** (attempt - 1));
      this.logger.warn(
        { method: request.method, path: url.pathname, attempt, delayMs, kind: error.kind },
        'Partner Center read failed; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  /** A 401 means the request was not processed: it is safe to repeat once, even a write, with a new token. */
  private async attemptWithFreshTokenOn401(request: PartnerCenterRequest, url: URL): Promise<AttemptOutcome> {
    const outcome = await this.attempt(
      request,
      url,
      await this.options.getAccessToken({ forceRefresh: false }),
    );
    if ('response' in outcome || outcome.error.status !== 401) return outcome;
    return this.attempt(request, url, await this.options.getAccessToken({ forceRefresh: true }));
  }

  private async attempt(request: PartnerCenterRequest, url: URL, token: string): Promise<AttemptOutcome> {
    const clientRequestId = randomUUID();
    const call: FailedCall = {
      apiName: this.options.apiName,
      method: request.method,
      path: url.pathname,
      clientRequestId,
      requestId: null,
    };
    let status: number;
    let headers: Headers;
    let text: string;
    try {
      const response = await undiciRequest(url, {
        method: request.method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          // Only with a body: a bodiless POST (validationEvents) with a JSON content type is refused by some servers.
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          'client-request-id': clientRequestId,
          'ms-correlationid': this.correlationId,
          'ms-requestid': clientRequestId,
          ...request.headers,
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      });
      status = response.statusCode;
      headers = headersOf(response.headers);
      text = await response.body.text();
    } catch (cause) {
      return { error: partnerCenterNetworkError(call, cause, this.timeoutMs), retryAfterSeconds: null };
    }
    const body = parseJson(text);
    if (status >= 200 && status < 300) return { response: { status, headers, body } };
    call.requestId = headers.get('request-id') ?? headers.get('ms-requestid') ?? headers.get('x-request-id');
    const retryAfterSeconds = parseRetryAfterSeconds(headers.get('retry-after'), Date.now());
    return {
      error: partnerCenterHttpError(call, { status, body, text, retryAfterSeconds }),
      retryAfterSeconds,
    };
  }

  /**
   * Builds the request URL. Absolute URLs (next links) must name the configured host; they are sent
   * to the configured origin, so a token never leaves for another host or over plain HTTP.
   */
  private resolve(request: PartnerCenterRequest): URL {
    let url: URL;
    if (/^https?:\/\//i.test(request.path)) {
      const given = new URL(request.path);
      if (given.hostname !== this.base.hostname) {
        throw new UpstreamError({
          kind: 'permanent',
          upstream: 'partnerCenter',
          message: `Partner Center returned a link to another host (${given.hostname}); it was not followed. Report this if it persists.`,
        });
      }
      url = new URL(`${given.pathname}${given.search}`, this.base.origin);
    } else {
      url = new URL(request.path.replace(/^\//, ''), this.base);
    }
    // OData system options keep their `$` and spaces become %20 (not `+`), as Partner Center's samples show.
    const extra = Object.entries(request.query ?? {})
      .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
      .map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`);
    if (extra.length > 0)
      url.search = [url.search.replace(/^\?/, ''), ...extra].filter((part) => part !== '').join('&');
    return url;
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** undici's raw response headers as a Headers object (repeated headers joined, as fetch joins them). */
function headersOf(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  return headers;
}
