import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from './apiAuth.ts';
import type { EmulatorClock } from './emulatorClock.ts';
import type { EmulatorStateData, WebhookRegistration } from './emulatorState.ts';
import { type IdentityProvider, WEBHOOKS_AUDIENCE } from './identityProvider.ts';
import type { IdGenerator } from './idGenerator.ts';
import { sendPcError } from './pcError.ts';
import { pcTimestamp } from './pcTimestamp.ts';
import type { TokenIssuer } from './tokenIssuer.ts';
import { validationResourceUri, type WebhookDispatcher } from './webhookDispatcher.ts';

/**
 * The co-sell events plus a sample of other tools' events (CSP billing, usage, DAP/GDAP, fraud):
 * a tenant has ONE registration for all of them, which is why registering co-sell must keep them.
 */
export const SUPPORTED_WEBHOOK_EVENTS = [
  'test-created',
  'referral-created',
  'referral-updated',
  'related-referral-created',
  'related-referral-updated',
  'subscription-updated',
  'usagerecords-thresholdExceeded',
  'invoice-ready',
  'azure-fraud-event-detected',
  'dap-admin-relationship-approved',
  'dap-admin-relationship-terminated',
  'granular-admin-relationship-approved',
  'granular-admin-relationship-terminated',
  'reseller-relationship-accepted-by-customer',
] as const;

/** Reads a body field in PascalCase or camelCase (the docs and the swagger disagree). */
function read(body: Record<string, unknown>, name: string): unknown {
  const camel = name.charAt(0).toLowerCase() + name.slice(1);
  return body[name] ?? body[camel];
}

function parseRegistrationBody(
  body: unknown,
):
  | { ok: true; url: string; events: string[]; msHeader: boolean; properties: Record<string, string> }
  | { ok: false; message: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, message: 'The body must be a JSON object with WebhookUrl and WebhookEvents.' };
  }
  const record = body as Record<string, unknown>;
  const url = read(record, 'WebhookUrl');
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    return { ok: false, message: 'WebhookUrl is required and must be an absolute http(s) URL.' };
  }
  const events = read(record, 'WebhookEvents');
  if (!Array.isArray(events) || events.length === 0 || !events.every((event) => typeof event === 'string')) {
    return {
      ok: false,
      message: 'WebhookEvents must be a non-empty array of event names, e.g. ["referral-created"].',
    };
  }
  const unknown = events.filter((event) => !(SUPPORTED_WEBHOOK_EVENTS as readonly string[]).includes(event));
  if (unknown.length > 0) {
    return {
      ok: false,
      message: `Unknown event(s): ${unknown.join(', ')}. GET /webhooks/v1/registration/events lists the supported ones.`,
    };
  }
  const properties = read(record, 'Properties');
  return {
    ok: true,
    url,
    events: events as string[],
    msHeader: read(record, 'SignatureTokenToMsSignatureHeader') === true,
    properties: properties && typeof properties === 'object' ? (properties as Record<string, string>) : {},
  };
}

function view(registration: WebhookRegistration): Record<string, unknown> {
  return {
    SubscriberId: registration.subscriberId,
    WebhookUrl: registration.webhookUrl,
    WebhookEvents: registration.webhookEvents,
    SignatureTokenToMsSignatureHeader: registration.signatureTokenToMsSignatureHeader,
    Properties: registration.properties,
    LastModifiedTimestamp: registration.lastModifiedTimestamp,
  };
}

/** The Webhooks API at /webhooks/v1/registration… (classic Partner Center host, audience api.partnercenter.microsoft.com). */
export function registerWebhookRoutes(
  app: FastifyInstance,
  deps: {
    state: EmulatorStateData;
    dispatcher: WebhookDispatcher;
    issuer: TokenIssuer;
    identity: IdentityProvider;
    ids: IdGenerator;
    clock: EmulatorClock;
    onChange: () => void;
  },
): void {
  const { state } = deps;
  const base = '/webhooks/v1/registration';
  const guard = (request: FastifyRequest, reply: FastifyReply) =>
    authenticate(request, reply, 'webhooks', WEBHOOKS_AUDIENCE, deps.issuer, deps.identity);

  app.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/webhooks/')) return;
    const correlationId = request.headers['ms-correlationid'];
    const requestId = request.headers['ms-requestid'];
    reply.header('ms-correlationid', typeof correlationId === 'string' ? correlationId : randomUUID());
    reply.header('ms-requestid', typeof requestId === 'string' ? requestId : randomUUID());
  });

  const save = (reply: FastifyReply, body: unknown, subscriberId: string) => {
    const parsed = parseRegistrationBody(body);
    if (!parsed.ok) return sendPcError(reply, 400, 'invalidRequest', parsed.message, 'registration');
    state.registration = {
      subscriberId,
      webhookUrl: parsed.url,
      webhookEvents: parsed.events,
      signatureTokenToMsSignatureHeader: parsed.msHeader,
      properties: parsed.properties,
      lastModifiedTimestamp: pcTimestamp(deps.clock.now()),
    };
    deps.onChange();
    return reply.code(200).send(view(state.registration));
  };

  app.get(`${base}/events`, async (request, reply) => {
    if (!guard(request, reply)) return reply;
    return [...SUPPORTED_WEBHOOK_EVENTS];
  });

  app.get(base, async (request, reply) => {
    if (!guard(request, reply)) return reply;
    if (!state.registration) {
      return sendPcError(
        reply,
        404,
        'itemNotFound',
        'No webhook is registered. POST /webhooks/v1/registration to create one.',
      );
    }
    return view(state.registration);
  });

  app.post(base, async (request, reply) => {
    if (!guard(request, reply)) return reply;
    if (state.registration) {
      return sendPcError(
        reply,
        409,
        'conflict',
        'A webhook registration already exists for this partner. Use the PUT method to update it.',
        'registration',
      );
    }
    return save(reply, request.body, deps.ids.next());
  });

  app.put(base, async (request, reply) => {
    if (!guard(request, reply)) return reply;
    return save(reply, request.body, state.registration?.subscriberId ?? deps.ids.next());
  });

  app.delete(base, async (request, reply) => {
    if (!guard(request, reply)) return reply;
    if (!state.registration)
      return sendPcError(reply, 404, 'itemNotFound', 'No webhook is registered; nothing to delete.');
    state.registration = null;
    deps.onChange();
    return reply.code(204).send();
  });

  // Control: what another tool or another environment of this tenant registered (e.g. a CSP billing
  // tool's invoice-ready, or Microsoft's Power Automate flow). It replaces the tenant's one
  // registration, exactly as that tool's PUT would; no token needed.
  app.put('/__emulator/webhook-registration', async (request, reply) =>
    save(reply, request.body, state.registration?.subscriberId ?? deps.ids.next()),
  );

  app.post(`${base}/validationEvents`, async (request, reply) => {
    if (!guard(request, reply)) return reply;
    const registration = state.registration;
    if (!registration) {
      return sendPcError(
        reply,
        404,
        'itemNotFound',
        'No webhook is registered. Register one with test-created before sending a test event.',
      );
    }
    if (!registration.webhookEvents.includes('test-created')) {
      return sendPcError(
        reply,
        400,
        'invalidRequest',
        'The registration does not include the test-created event. Add it with PUT /webhooks/v1/registration first.',
      );
    }
    const correlationId = deps.ids.next();
    deps.dispatcher.enqueue('test-created', validationResourceUri(correlationId), correlationId);
    return { correlationId };
  });

  app.get<{ Params: { correlationId: string } }>(
    `${base}/validationEvents/:correlationId`,
    async (request, reply) => {
      if (!guard(request, reply)) return reply;
      const { correlationId } = request.params;
      const deliveries = state.deliveries.filter((delivery) => delivery.correlationId === correlationId);
      const first = deliveries[0];
      if (!first)
        return sendPcError(
          reply,
          404,
          'itemNotFound',
          `No validation event with correlation id ${correlationId}.`,
        );
      const done = deliveries.every(
        (delivery) => delivery.status === 'delivered' || delivery.status === 'failed',
      );
      return {
        correlationId,
        partnerId: deps.identity.tenantId,
        status: done ? 'completed' : 'pending',
        callbackUrl: first.url,
        results: deliveries.flatMap((delivery) =>
          delivery.attempts.map((attempt) => ({
            responseCode:
              attempt.statusCode === null
                ? 'None'
                : attempt.statusCode === 200
                  ? 'OK'
                  : String(attempt.statusCode),
            responseMessage: attempt.error ?? '',
            systemError: attempt.error !== null && attempt.statusCode === null,
            dateTimeUtc: attempt.attemptedAt,
          })),
        ),
      };
    },
  );
}
