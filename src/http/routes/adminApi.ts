/**
 * The admin JSON API under /api: status, links, audit, dead letters, retry and redrive. The dashboard
 * and `cosell status|audit|retry` read the same data. Errors are `{ error: { code, message } }` with a
 * closed set of codes.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ConnectionLimits } from '../../config/connectionConfig.ts';
import type { JobQueue } from '../../jobs/jobQueue.ts';
import type { Clock } from '../../shared/clock.ts';
import type { LinkState, Store } from '../../store/store.ts';
import { enqueueDealSync } from '../../sync/dealJobs.ts';
import { apiAccessHook } from '../auth/apiAccess.ts';
import type { DashboardSignIn } from '../auth/dashboardSignIn.ts';
import type { DashboardDeps } from '../dashboard/dashboardDeps.ts';
import { crossSiteRefusal } from '../dashboard/sameOrigin.ts';
import { sendError } from './adminReplies.ts';
import { dealRoutes } from './dealRoutes.ts';
import { getAlerts } from './getAlerts.ts';
import { overviewRoutes } from './overviewRoutes.ts';

export type { AdminErrorCode } from '../adminTypes.ts';
export { sendError } from './adminReplies.ts';

export interface AdminApiDeps {
  connectionId: string;
  store: Store;
  queue: JobQueue;
  adminToken?: string | undefined;
  /** Dashboard "Sign in with Microsoft": a signed-in browser may use the API too. */
  signIn?: DashboardSignIn | undefined;
  /** The deal views' extra parts (sync deps, links, API usage); without them those routes answer 503. */
  dashboard?: DashboardDeps | undefined;
  now?: () => Date;
  clock?: Clock | undefined;
  /**
   * The access check, when the server shares one between several copies of the API (one per connection: one
   * wrong-token limit for all of them); default: its own.
   */
  access?: ReturnType<typeof apiAccessHook> | undefined;
  /** Every connection the server serves (GET /api/connections: the dashboard's switcher). */
  connections?: readonly { id: string; limits: ConnectionLimits }[] | undefined;
}

const LINK_STATES = ['synced', 'pending', 'error', 'conflict', 'paused'] as const;
const listQuery = z.object({
  state: z.enum(LINK_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  after: z.string().optional(),
});
const auditQuery = z.object({
  linkId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().optional(),
});

export async function adminApi(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const { connectionId, store, queue } = deps;
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const refusal = crossSiteRefusal(request);
      if (refusal) return sendError(reply, 403, 'forbidden', refusal);
    });
    const now = deps.now ?? (() => new Date());
    const access =
      deps.access !== undefined
        ? deps.access
        : apiAccessHook({
            adminToken: deps.adminToken,
            signIn: deps.signIn ?? null,
            sendError,
            nowMs: () => now().getTime(),
          });
    if (access) scope.addHook('onRequest', access);

    const dashboard = deps.dashboard;
    await dealRoutes(scope, { connectionId, store, queue, dashboard, sendError });
    await overviewRoutes(scope, {
      connectionId,
      store,
      queue,
      dashboard,
      now: deps.now ?? (() => new Date()),
    });

    scope.get('/api/status', async () => {
      const [connection, links, queueStats] = await Promise.all([
        store.connections.get(connectionId),
        store.links.countByState(connectionId),
        queue.stats(),
      ]);
      return {
        connectionId,
        connection: connection ? { state: connection.state, pausedReason: connection.pausedReason } : null,
        ...(deps.dashboard?.limits ? { limits: deps.dashboard.limits } : {}),
        links,
        queue: queueStats,
      };
    });

    scope.get('/api/connections', async () => {
      const served = deps.connections ?? [];
      const rows = await Promise.all(served.map((each) => store.connections.get(each.id)));
      return {
        connections: served.map((each, i) => ({
          id: each.id,
          state: rows[i]?.state ?? null,
          pausedReason: rows[i]?.pausedReason ?? null,
          limits: each.limits,
        })),
      };
    });

    scope.get('/api/links', async (request, reply) => {
      const query = listQuery.safeParse(request.query);
      if (!query.success) return sendError(reply, 400, 'invalid_request', z.prettifyError(query.error));
      const links = await store.links.list({
        connectionId,
        limit: query.data.limit,
        ...(query.data.state ? { state: query.data.state as LinkState } : {}),
        ...(query.data.after ? { afterId: query.data.after } : {}),
      });
      return { links };
    });

    scope.get<{ Params: { id: string } }>('/api/links/:id', async (request, reply) => {
      const link = await store.links.get(request.params.id);
      if (!link || link.connectionId !== connectionId)
        return sendError(reply, 404, 'not_found', 'no such link');
      const audit = await store.audit.list({ connectionId, linkId: link.id, limit: 50 });
      return { link, audit };
    });

    scope.post<{ Params: { id: string } }>('/api/links/:id/retry', async (request, reply) => {
      const link = await store.links.get(request.params.id);
      if (!link || link.connectionId !== connectionId)
        return sendError(reply, 404, 'not_found', 'no such link');
      const result = await enqueueDealSync({ store, connectionId }, queue, {
        referralId: link.referralId,
        opportunityId: link.opportunityId,
        trigger: 'retry',
      });
      return reply.code(202).send({ jobId: result.id, coalesced: result.coalesced });
    });

    scope.get('/api/audit', async (request, reply) => {
      const query = auditQuery.safeParse(request.query);
      if (!query.success) return sendError(reply, 400, 'invalid_request', z.prettifyError(query.error));
      const entries = await store.audit.list({
        connectionId,
        limit: query.data.limit,
        ...(query.data.linkId ? { linkId: query.data.linkId } : {}),
        ...(query.data.before ? { beforeId: query.data.before } : {}),
      });
      return { entries };
    });

    scope.get('/api/dead-letters', async () => ({
      deadLetters: await store.deadLetters.list({ connectionId, limit: 200 }),
    }));

    scope.post<{ Params: { id: string } }>('/api/dead-letters/:id/redrive', async (request, reply) => {
      const deadLetter = await store.deadLetters.get(request.params.id);
      if (!deadLetter || (deadLetter.connectionId !== null && deadLetter.connectionId !== connectionId))
        return sendError(reply, 404, 'not_found', 'no such dead letter');
      const result = await queue.redrive(deadLetter.id);
      return reply.code(202).send({ jobId: result.id });
    });

    await getAlerts(scope, deps);
  });
}
