/**
 * POST /webhooks/partner-center — verify the signature over the raw body, store the delivery in the
 * inbox (deduplicated by body hash: Partner Center sends no event id), enqueue the work, answer 202 once the
 * inbox row is committed (deliveries arriving together share the commit: WebhookIntake).
 * No remote call happens here except the verifier's first (cached) certificate fetch.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { JobQueue } from '../../jobs/jobQueue.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Store } from '../../store/store.ts';
import { WebhookIntake } from '../../sync/webhookIntake.ts';
import type { Metrics } from '../metrics.ts';
import { REFERRAL_EVENTS, type WebhookRefusal, type WebhookVerifier } from '../webhookVerifier.ts';

export interface WebhookRouteDeps {
  connectionId: string;
  store: Store;
  queue: JobQueue;
  verifier: WebhookVerifier;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

export const WEBHOOK_PATH = '/webhooks/partner-center';

/**
 * Where Partner Center should deliver to this environment: server.publicUrl + WEBHOOK_PATH, or + the connection's
 * own path (null when publicUrl is unset).
 */
export function expectedWebhookUrl(publicUrl: string | undefined, path = WEBHOOK_PATH): string | null {
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}${path}` : null;
}
const MAX_BODY_BYTES = 1024 * 1024;

export async function postPartnerCenterWebhook(app: FastifyInstance, deps: WebhookRouteDeps): Promise<void> {
  await app.register(async (scope) => {
    // Keep the exact bytes: the signature covers them, and re-serialised JSON would not verify.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
      (_request, body, done) => done(null, body),
    );

    // Deliveries that arrive together are stored and queued in one commit each (see WebhookIntake).
    const intake = new WebhookIntake(deps);
    const countDelivery = (outcome: 'rejected' | 'ignored' | 'accepted' | 'duplicate') =>
      deps.metrics.increment('cosell_webhooks_total', 'Partner Center webhook deliveries', { outcome });
    const refuse = (reply: FastifyReply, error: WebhookRefusal) => {
      countDelivery('rejected');
      deps.logger.warn({ code: error.code, reason: error.message }, 'webhook rejected');
      return reply.code(error.httpStatus).send({ error: { code: error.code, message: error.message } });
    };

    // A delivery that cannot be authentic is refused before its body is read: a flood of them costs no memory.
    scope.addHook('onRequest', async (request, reply) => {
      // The path of every connection ends with WEBHOOK_PATH (/connections/<id>/webhooks/partner-center).
      if (request.method !== 'POST' || !request.routeOptions.url?.endsWith(WEBHOOK_PATH)) return;
      const refused = deps.verifier.checkHeaders(request.headers);
      if (refused) return refuse(reply, refused);
    });

    scope.post(WEBHOOK_PATH, async (request, reply) => {
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const verified = await deps.verifier.verify({ headers: request.headers, rawBody });
      if (!verified.ok) return refuse(reply, verified.error);
      const event = verified.event;
      if (!REFERRAL_EVENTS.has(event.eventName) || !event.resourceId) {
        countDelivery('ignored');
        return reply.code(202).send({ status: 'ignored', eventName: event.eventName });
      }
      const outcome = await intake.accept({
        dedupKey: createHash('sha256').update(rawBody).digest('hex'),
        receivedAt: deps.clock.now().toISOString(),
        eventName: event.eventName,
        resourceId: event.resourceId,
        body: rawBody.toString('utf8'),
      });
      countDelivery(outcome);
      if (outcome === 'duplicate') return reply.code(202).send({ status: 'duplicate' });
      return reply.code(202).send({ status: 'accepted' });
    });
  });
}
