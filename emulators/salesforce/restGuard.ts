/**
 * Per-request rules of the REST API under /services/data/vXX.X: version check, session, daily API
 * allocation (403 REQUEST_LIMIT_EXCEEDED), the request gate (see requestGate.ts) and the `Sforce-Limit-Info`
 * header on every response. Composite subrequests pass with the session check only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EmulatorContext } from './emulatorContext.ts';
import { notFound, SalesforceApiError } from './salesforceApiError.ts';
import { bearerToken, type Session } from './sessionRegistry.ts';

const VERSION = /^v\d{2,3}\.\d$/;
const sessions = new WeakMap<FastifyRequest, Session>();

export function sessionOf(request: FastifyRequest): Session {
  const session = sessions.get(request);
  if (!session) throw new SalesforceApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  return session;
}

/** `v62.0` from the route, checked by the guard. */
export function versionOf(request: FastifyRequest): string {
  return (request.params as { version: string }).version;
}

export function versionNumber(version: string): number {
  return Number.parseFloat(version.slice(1));
}

export function installRestGuard(scope: FastifyInstance, context: EmulatorContext): void {
  const { org } = context;
  scope.addHook('preHandler', async (request, reply) => {
    if (!VERSION.test(versionOf(request))) throw notFound();
    sessions.set(
      request,
      context.sessions.authenticate(bearerToken(request.headers.authorization, request.query)),
    );
    // A composite subrequest runs inside its outer request: that one was counted and holds the gate.
    if (context.subrequests.isSubrequest(request.headers)) return;
    if (!(request.routeOptions.config as { ownGate?: boolean }).ownGate) {
      const release = await context.gate.enterShared();
      reply.raw.once('close', release);
    }
    const usage = org.state.apiUsage;
    if (usage.used >= usage.max) {
      throw new SalesforceApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    }
    usage.used += 1;
    org.changed();
  });
  scope.addHook('onSend', async (_request, reply, payload) => {
    const usage = org.state.apiUsage;
    reply.header('sforce-limit-info', `api-usage=${usage.used}/${usage.max}`);
    return payload;
  });
}
