/** The connector's HTTP server: webhook receiver, admin API, health, metrics and the dashboard. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ConnectionLimits } from '../config/connectionConfig.ts';
import type { JobQueue } from '../jobs/jobQueue.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Store } from '../store/store.ts';
import { apiAccessHook } from './auth/apiAccess.ts';
import type { DashboardSignIn } from './auth/dashboardSignIn.ts';
import { signInRoutes } from './auth/signInRoutes.ts';
import { connectionPathPrefix } from './connectionPathPrefix.ts';
import type { DashboardDeps } from './dashboard/dashboardDeps.ts';
import type { Metrics } from './metrics.ts';
import { adminApi } from './routes/adminApi.ts';
import { sendError } from './routes/adminReplies.ts';
import { dashboard } from './routes/dashboard.ts';
import { postPartnerCenterWebhook } from './routes/postPartnerCenterWebhook.ts';
import { addSecurityHeaders } from './securityHeaders.ts';
import type { WebhookVerifier } from './webhookVerifier.ts';

export interface HttpServerDeps {
  connectionId: string;
  store: Store;
  queue: JobQueue;
  verifier: WebhookVerifier;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  adminToken?: string | undefined;
  dashboard?: DashboardDeps | undefined;
  /** Dashboard "Sign in with Microsoft" (dashboard.signIn.kind: microsoft). */
  signIn?: DashboardSignIn | undefined;
  /**
   * Every connection served (the first is connectionId's). Each one's admin API and webhook receiver also answer
   * under /connections/<id>; the unprefixed paths stay the first one's.
   */
  connections?: readonly HttpConnection[] | undefined;
  /**
   * Whether /webhooks/partner-center is connectionId's (default true). Only the config's first connection may
   * have it: a server limited to another (`serve --connection`) must not take the first one's deliveries.
   */
  webhookAtRoot?: boolean;
}

export interface HttpConnection {
  id: string;
  limits: ConnectionLimits;
  dashboard?: DashboardDeps | undefined;
  /** Its tenant's webhook signatures (default: the server's verifier). */
  verifier?: WebhookVerifier | undefined;
}

export async function createHttpServer(deps: HttpServerDeps): Promise<FastifyInstance> {
  // Request lines are info-level: the server's logger keeps warnings and errors only.
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
  });
  addSecurityHeaders(app);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = {};
    const several = (deps.connections?.length ?? 0) > 1;
    const paused: Record<string, string> = {};
    try {
      for (const id of several ? (deps.connections ?? []).map((each) => each.id) : [deps.connectionId]) {
        const connection = await deps.store.connections.get(id);
        paused[id] =
          connection?.state === 'paused'
            ? `paused: ${connection.pausedReason ?? 'no reason recorded'}`
            : 'ok';
      }
      checks['store'] = 'ok';
      // A paused connection (sign-in expired or revoked) cannot sync: not ready until someone signs in again. With
      // several connections the server still serves the others: each one's state is shown, none fails readiness.
      if (several) for (const [id, state] of Object.entries(paused)) checks[`connection ${id}`] = state;
      else checks['connection'] = paused[deps.connectionId] ?? 'ok';
    } catch (error) {
      checks['store'] = `failing: ${(error as Error).message}`;
    }
    const ready = Object.entries(checks).every(
      ([name, value]) => value === 'ok' || (several && name.startsWith('connection ')),
    );
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', async (_request, reply) => {
    // With several connections, links are counted per connection (label `connection`).
    const several = (deps.connections?.length ?? 0) > 1;
    const ids = several ? (deps.connections ?? []).map((each) => each.id) : [deps.connectionId];
    const [queue, ...linkCounts] = await Promise.all([
      deps.queue.stats(),
      ...ids.map((id) => deps.store.links.countByState(id)),
    ]);
    for (const [i, links] of linkCounts.entries())
      for (const [state, count] of Object.entries(links))
        deps.metrics.set('cosell_links', 'Links by state', count, {
          state,
          ...(several ? { connection: ids[i] ?? '' } : {}),
        });
    deps.metrics.set('cosell_queue_jobs', 'Jobs by state', queue.pending, { state: 'pending' });
    deps.metrics.set('cosell_queue_jobs', 'Jobs by state', queue.running, { state: 'running' });
    deps.metrics.set('cosell_dead_letters', 'Dead-lettered jobs', queue.deadLetters);
    return reply.type('text/plain; version=0.0.4').send(deps.metrics.render());
  });

  if (deps.webhookAtRoot !== false) await postPartnerCenterWebhook(app, deps);
  // One access check (and one wrong-token limit) for every connection's copy of the API.
  const access = apiAccessHook({
    adminToken: deps.adminToken,
    signIn: deps.signIn ?? null,
    sendError,
    nowMs: () => deps.clock.now().getTime(),
  });
  await adminApi(app, { ...deps, access, now: () => deps.clock.now() });
  for (const connection of deps.connections ?? []) {
    const scoped = {
      ...deps,
      connectionId: connection.id,
      dashboard: connection.dashboard,
      verifier: connection.verifier ?? deps.verifier,
    };
    await app.register(
      async (scope) => {
        await postPartnerCenterWebhook(scope, scoped);
        await adminApi(scope, { ...scoped, access, now: () => deps.clock.now() });
      },
      { prefix: connectionPathPrefix(connection.id) },
    );
  }
  await signInRoutes(app, deps.signIn ?? null);
  await dashboard(app);
  return app;
}
