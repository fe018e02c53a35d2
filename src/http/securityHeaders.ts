/**
 * Security headers on every answer of the connector's HTTP server (dashboard, admin API, webhook, health,
 * metrics, 404s and errors): no sniffing, no referrer, no framing, and a Content-Security-Policy that allows
 * only this origin (the dashboard has no inline script or style). A route that sets its own value keeps it.
 */
import type { FastifyInstance } from 'fastify';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS))
      if (!reply.hasHeader(name)) reply.header(name, value);
    reply.removeHeader('x-powered-by');
    return payload;
  });
}
