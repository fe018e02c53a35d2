/**
 * Client for the Partner Center Webhooks API (`https://api.partnercenter.microsoft.com/webhooks/v1`):
 * register safely over the tenant's one registration (see webhookRegistrationPlan.ts), show, and a
 * test round trip through a `test-created` validation event. The API has no DELETE.
 */
import { UpstreamError } from '../shared/upstreamError.ts';
import { type PartnerCenterClientOptions, PartnerCenterHttp } from './partnerCenterHttp.ts';
import {
  CONNECTOR_WEBHOOK_EVENTS,
  planWebhookRegistration,
  type RegistrationPlan,
  type RegistrationRequest,
} from './webhookRegistrationPlan.ts';

export const PARTNER_CENTER_WEBHOOKS_BASE_URL = 'https://api.partnercenter.microsoft.com/webhooks/v1';

/** The events `register` asks for by default. */
export const DEFAULT_WEBHOOK_EVENTS = CONNECTOR_WEBHOOK_EVENTS;

/** `baseUrl` goes up to and including `/webhooks/v1`; tokens are for `https://api.partnercenter.microsoft.com/.default`. */
export type WebhookClientOptions = PartnerCenterClientOptions;

export interface WebhookRegistration {
  subscriberId: string | null;
  webhookUrl: string | null;
  webhookEvents: string[];
  /** Whether deliveries carry the signature in `x-ms-signature`; null when Partner Center did not say. */
  signatureInMsHeader: boolean | null;
}

export interface RegistrationOutcome {
  /** The registration before this call (null: there was none). */
  before: WebhookRegistration | null;
  plan: RegistrationPlan;
  /** The registration after this call: unchanged when the plan was `unchanged` or `refused`. */
  registration: WebhookRegistration | null;
}

export interface WebhookTestResult {
  correlationId: string;
  status: string;
  /** True when every delivery attempt was answered with a success code. */
  delivered: boolean;
  results: {
    responseCode: string | null;
    responseMessage: string | null;
    systemError: boolean;
    dateTimeUtc: string | null;
  }[];
}

export interface WebhookTestOptions {
  /** How long to wait for Partner Center to report the delivery. Default 60 000. */
  deadlineMs?: number;
  /** Default 1 000. */
  pollIntervalMs?: number;
}

export class WebhookClient {
  private readonly http: PartnerCenterHttp;

  constructor(options: WebhookClientOptions) {
    const { baseUrl, ...rest } = options;
    this.http = new PartnerCenterHttp({
      ...rest,
      baseUrl: baseUrl ?? PARTNER_CENTER_WEBHOOKS_BASE_URL,
      apiName: 'Webhooks API',
    });
  }

  /**
   * Registers `request.url` for the connector's events over the tenant's one registration: creates
   * it when there is none, adds missing events while keeping other tools' events, and changes the
   * URL or drops events only when the request allows it (see planWebhookRegistration). Registering
   * the same URL again changes nothing. A refusal is returned as the plan, not thrown.
   */
  async registerSafely(request: RegistrationRequest): Promise<RegistrationOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      const before = await this.show();
      const plan = planWebhookRegistration(before, request);
      if (plan.action === 'unchanged' || plan.action === 'refused')
        return { before, plan, registration: before };
      const signatureInMsHeader = request.signatureInMsHeader ?? before?.signatureInMsHeader;
      const body = {
        WebhookUrl: plan.url,
        WebhookEvents: plan.events,
        ...(signatureInMsHeader === undefined || signatureInMsHeader === null
          ? {}
          : { SignatureTokenToMsSignatureHeader: signatureInMsHeader }),
      };
      try {
        const response = await this.http.send({
          method: plan.action === 'create' ? 'POST' : 'PUT',
          path: '/registration',
          body,
        });
        return { before, plan, registration: readRegistration(response.body) };
      } catch (error) {
        // Another tool registered between our read and our POST: plan again over what it wrote.
        if (error instanceof UpstreamError && error.status === 409 && attempt === 1) continue;
        throw error;
      }
    }
  }

  /**
   * registerSafely for code that only needs the result: the registration after the call, or a
   * `conflict` error carrying the refusal's message (what would be lost and the flag that allows it).
   */
  async register(
    webhookUrl: string,
    events: readonly string[] = DEFAULT_WEBHOOK_EVENTS,
    options: Omit<RegistrationRequest, 'url' | 'events'> = {},
  ): Promise<WebhookRegistration> {
    const outcome = await this.registerSafely({ url: webhookUrl, events, ...options });
    if (outcome.plan.action === 'refused')
      throw new UpstreamError({ kind: 'conflict', upstream: 'partnerCenter', message: outcome.plan.message });
    if (outcome.registration === null)
      throw new UpstreamError({
        kind: 'permanent',
        upstream: 'partnerCenter',
        message: 'Partner Center answered the registration without returning it: run `cosell webhooks show`.',
      });
    return outcome.registration;
  }

  /** The current registration, or null when there is none. */
  async show(): Promise<WebhookRegistration | null> {
    try {
      const response = await this.http.send({ method: 'GET', path: '/registration' });
      const registration = readRegistration(response.body);
      return registration.webhookUrl === null && registration.webhookEvents.length === 0
        ? null
        : registration;
    } catch (error) {
      if (error instanceof UpstreamError && error.status === 404) return null;
      throw error;
    }
  }

  /** Removes the registration. Emulator only: the real Webhooks API has no DELETE. */
  async remove(): Promise<void> {
    try {
      await this.http.send({ method: 'DELETE', path: '/registration' });
    } catch (error) {
      if (error instanceof UpstreamError && error.status === 404) return;
      throw error;
    }
  }

  /** The event names Partner Center can deliver. */
  async supportedEvents(): Promise<string[]> {
    const response = await this.http.send({ method: 'GET', path: '/registration/events' });
    return Array.isArray(response.body)
      ? response.body.filter((name): name is string => typeof name === 'string')
      : [];
  }

  /**
   * Asks Partner Center to send a `test-created` event to the registered URL, then polls until it
   * reports the delivery completed. Partner Center allows 2 of these per minute.
   */
  async test(options: WebhookTestOptions = {}): Promise<WebhookTestResult> {
    const deadlineMs = options.deadlineMs ?? 60_000;
    const pollIntervalMs = options.pollIntervalMs ?? 1_000;
    const started = await this.http.send({ method: 'POST', path: '/registration/validationEvents' });
    const correlationId = field(started.body, 'correlationId');
    if (correlationId === null) {
      throw new UpstreamError({
        kind: 'permanent',
        upstream: 'partnerCenter',
        message:
          'Partner Center accepted the test event but returned no correlation id, so its delivery cannot be checked.',
      });
    }
    const giveUpAtMs = Date.now() + deadlineMs;
    for (;;) {
      const result = await this.readValidationEvent(correlationId);
      // A failed attempt is the answer: Partner Center goes on retrying, but the receiver is not working now.
      const failed = result?.results.some(
        (attempt) => !isSuccessCode(attempt.responseCode) || attempt.systemError,
      );
      if (result !== null && (failed || result.status.toLowerCase() === 'completed')) return result;
      if (Date.now() + pollIntervalMs > giveUpAtMs) {
        throw new UpstreamError({
          kind: 'transient',
          upstream: 'partnerCenter',
          message:
            `Partner Center did not report the test delivery ${correlationId} as completed within ${deadlineMs} ms ` +
            `(last status: ${result?.status ?? 'not yet recorded'}). Check that the webhook URL is reachable from the internet and run the test again.`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
  }

  private async readValidationEvent(correlationId: string): Promise<WebhookTestResult | null> {
    try {
      const response = await this.http.send({
        method: 'GET',
        path: `/registration/validationEvents/${encodeURIComponent(correlationId)}`,
      });
      const rawResults = fieldValue(response.body, 'results');
      const results = (Array.isArray(rawResults) ? rawResults : []).map((item) => ({
        responseCode: field(item, 'responseCode'),
        responseMessage: field(item, 'responseMessage'),
        systemError: fieldValue(item, 'systemError') === true,
        dateTimeUtc: field(item, 'dateTimeUtc'),
      }));
      return {
        correlationId,
        status: field(response.body, 'status') ?? 'unknown',
        delivered:
          results.length > 0 &&
          results.every((result) => isSuccessCode(result.responseCode) && !result.systemError),
        results,
      };
    } catch (error) {
      if (error instanceof UpstreamError && error.status === 404) return null;
      throw error;
    }
  }
}

/** .NET HttpStatusCode names of the 2xx codes, which is how Partner Center reports delivery results. */
const SUCCESS_CODE_NAMES = [
  'ok',
  'created',
  'accepted',
  'nonauthoritativeinformation',
  'nocontent',
  'resetcontent',
];

function isSuccessCode(code: string | null): boolean {
  if (code === null) return false;
  return /^2\d\d$/.test(code.trim()) || SUCCESS_CODE_NAMES.includes(code.trim().toLowerCase());
}

function readRegistration(body: unknown): WebhookRegistration {
  const events = fieldValue(body, 'webhookEvents');
  const msHeader = fieldValue(body, 'signatureTokenToMsSignatureHeader');
  return {
    subscriberId: field(body, 'subscriberId'),
    webhookUrl: field(body, 'webhookUrl'),
    webhookEvents: Array.isArray(events)
      ? events.filter((name): name is string => typeof name === 'string')
      : [],
    signatureInMsHeader: typeof msHeader === 'boolean' ? msHeader : null,
  };
}

/** A property read case-insensitively on the first letter: the Webhooks API mixes PascalCase and camelCase. */
function fieldValue(body: unknown, camelName: string): unknown {
  if (body === null || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  return record[camelName] ?? record[camelName.charAt(0).toUpperCase() + camelName.slice(1)];
}

function field(body: unknown, camelName: string): string | null {
  const value = fieldValue(body, camelName);
  return typeof value === 'string' ? value : null;
}
