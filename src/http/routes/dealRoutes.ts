/**
 * The dashboard's deal routes under /api/deals: the searchable list, one deal with its audit trail, the side-by-side
 * comparison, a dry-run plan, sync now / retry (bulk too), unlink, and the "needs attention" list.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defaultMapping } from '../../domain/mapping/defaultMapping.ts';
import type { JobQueue } from '../../jobs/jobQueue.ts';
import { forgetLink } from '../../store/forgetLink.ts';
import { type DealListRow, dealSortKeys, type Store } from '../../store/store.ts';
import { compareDeal } from '../../sync/dealComparison.ts';
import { enqueueDealSync } from '../../sync/dealJobs.ts';
import { syncDeal } from '../../sync/syncDeal.ts';
import type {
  AttentionResponse,
  BulkRetryResponse,
  DealComparisonResponse,
  DealDetailResponse,
  DealListResponse,
  DealPlanResponse,
  DealSummary,
  EnqueuedResponse,
} from '../adminTypes.ts';
import type { DashboardDeps } from '../dashboard/dashboardDeps.ts';
import { dealSummary } from '../dashboard/dealSummary.ts';
import { problemFix } from '../dashboard/problemFix.ts';
import { type SendError, upstreamFailure } from './adminReplies.ts';

const STATE_FILTERS = [
  'synced',
  'pending',
  'error',
  'conflict',
  'paused',
  'attention',
  'deadLettered',
] as const;
const instant = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'use a date (2026-03-01) or an ISO-8601 date-time');
const listQuery = z.object({
  q: z.string().max(200).optional(),
  state: z.enum(STATE_FILTERS).optional(),
  direction: z.enum(['Incoming', 'Outgoing']).optional(),
  trigger: z.string().min(1).max(40).optional(),
  from: instant.optional(),
  to: instant.optional(),
  sort: z.enum(dealSortKeys).default('updatedAt'),
  order: z.enum(['asc', 'desc']).default('desc'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
});
const bulkRetryBody = z.object({ linkIds: z.array(z.string().min(1)).min(1).max(200) });
const mappingTestBody = z
  .object({ referralId: z.string().min(1).optional(), opportunityId: z.string().min(1).optional() })
  .refine((body) => body.referralId || body.opportunityId, 'give a referralId or an opportunityId');

export interface DealRoutesDeps {
  connectionId: string;
  store: Store;
  queue: JobQueue;
  dashboard: DashboardDeps | undefined;
  sendError: SendError;
}

/** The newest first; the end of the "to" day is included when only a date is given. */
const endOf = (value: string): string =>
  /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? new Date(Date.parse(value) + 24 * 60 * 60_000).toISOString()
    : new Date(value).toISOString();

export async function dealRoutes(scope: FastifyInstance, deps: DealRoutesDeps): Promise<void> {
  const { connectionId, store, queue, sendError } = deps;
  const dashboardOr = (reply: Parameters<SendError>[0]): DashboardDeps | null => {
    if (deps.dashboard) return deps.dashboard;
    sendError(
      reply,
      503,
      'unavailable',
      'this server was started without the sync worker parts the deal views need',
    );
    return null;
  };

  const summaries = async (rows: DealListRow[]): Promise<DealSummary[]> => {
    const mapping = deps.dashboard?.sync.mapping;
    const links = deps.dashboard ?? { salesforceInstanceUrl: () => null, referralUrlTemplate: '' };
    return Promise.all(
      rows.map(async (row) => {
        const deadLetter = row.deadLetterId ? await store.deadLetters.get(row.deadLetterId) : null;
        return dealSummary(row, deadLetter, mapping ?? defaultMapping, links);
      }),
    );
  };
  const findDeal = async (linkId: string): Promise<DealListRow | null> =>
    (await store.reports.searchDeals({ connectionId, linkIds: [linkId], limit: 1 })).rows[0] ?? null;

  /** Retry: a dead-lettered job goes back to the queue as it was; otherwise a new sync is queued. */
  const retryDeal = async (row: DealListRow): Promise<EnqueuedResponse> => {
    if (row.deadLetterId) {
      const redriven = await queue.redrive(row.deadLetterId);
      return { jobId: redriven.id, coalesced: false };
    }
    const result = await enqueueDealSync({ store, connectionId }, queue, {
      referralId: row.link.referralId,
      opportunityId: row.link.opportunityId,
      trigger: 'retry',
    });
    return { jobId: result.id, coalesced: result.coalesced };
  };

  scope.get('/api/deals', async (request, reply) => {
    const query = listQuery.safeParse(request.query);
    if (!query.success) return sendError(reply, 400, 'invalid_request', z.prettifyError(query.error));
    const { q, state, direction, trigger, from, to, sort, order, page, pageSize } = query.data;
    const found = await store.reports.searchDeals({
      connectionId,
      sort,
      descending: order === 'desc',
      limit: pageSize,
      offset: (page - 1) * pageSize,
      ...(q ? { text: q } : {}),
      ...(state ? { state } : {}),
      ...(direction ? { direction } : {}),
      ...(trigger ? { trigger } : {}),
      ...(from ? { syncedFrom: new Date(from).toISOString() } : {}),
      ...(to ? { syncedBefore: endOf(to) } : {}),
    });
    const answer: DealListResponse = {
      deals: await summaries(found.rows),
      total: found.total,
      page,
      pageSize,
    };
    return answer;
  });

  scope.get('/api/attention', async () => {
    const found = await store.reports.searchDeals({ connectionId, state: 'attention', limit: 200 });
    const deadLetters = await store.deadLetters.list({ connectionId, limit: 200 });
    const unlinked = [];
    for (const deadLetter of deadLetters) {
      const payload = (deadLetter.payload ?? {}) as { referralId?: unknown; opportunityId?: unknown };
      const referralId = typeof payload.referralId === 'string' ? payload.referralId : null;
      const opportunityId = typeof payload.opportunityId === 'string' ? payload.opportunityId : null;
      const link =
        (referralId ? await store.links.findByReferralId(connectionId, referralId) : null) ??
        (opportunityId ? await store.links.findByOpportunityId(connectionId, opportunityId) : null);
      if (!link) unlinked.push({ ...deadLetter, fix: problemFix(deadLetter.errorKind) });
    }
    const answer: AttentionResponse = { deals: await summaries(found.rows), unlinkedDeadLetters: unlinked };
    return answer;
  });

  scope.post('/api/deals/retry', async (request, reply) => {
    const body = bulkRetryBody.safeParse(request.body);
    if (!body.success) return sendError(reply, 400, 'invalid_request', z.prettifyError(body.error));
    const answer: BulkRetryResponse = { queued: [], redriven: [], notFound: [] };
    for (const linkId of new Set(body.data.linkIds)) {
      const row = await findDeal(linkId);
      if (!row) {
        answer.notFound.push(linkId);
        continue;
      }
      const { jobId } = await retryDeal(row);
      if (row.deadLetterId) answer.redriven.push({ deadLetterId: row.deadLetterId, jobId });
      else answer.queued.push({ linkId, jobId });
    }
    return reply.code(202).send(answer);
  });

  scope.get<{ Params: { id: string } }>('/api/deals/:id', async (request, reply) => {
    const row = await findDeal(request.params.id);
    if (!row) return sendError(reply, 404, 'not_found', `no deal with link id ${request.params.id}`);
    const [[deal], audit, deadLetters] = await Promise.all([
      summaries([row]),
      store.audit.list({ connectionId, linkId: row.link.id, limit: 100 }),
      store.deadLetters.list({ connectionId, limit: 200 }),
    ]);
    const ofDeal = deadLetters.filter((deadLetter) => {
      const payload = (deadLetter.payload ?? {}) as { referralId?: unknown; opportunityId?: unknown };
      return (
        (row.link.referralId !== null && payload.referralId === row.link.referralId) ||
        (row.link.opportunityId !== null && payload.opportunityId === row.link.opportunityId)
      );
    });
    const answer: DealDetailResponse = { deal: deal as DealSummary, audit, deadLetters: ofDeal };
    return answer;
  });

  scope.get<{ Params: { id: string } }>('/api/deals/:id/comparison', async (request, reply) => {
    const dashboard = dashboardOr(reply);
    if (!dashboard) return reply;
    const row = await findDeal(request.params.id);
    if (!row) return sendError(reply, 404, 'not_found', `no deal with link id ${request.params.id}`);
    try {
      const compared = await compareDeal(dashboard.sync, {
        referralId: row.link.referralId ?? undefined,
        opportunityId: row.link.opportunityId ?? undefined,
      });
      const { link: _link, ...answer } = compared;
      return answer satisfies DealComparisonResponse;
    } catch (error) {
      return upstreamFailure(reply, sendError, 'compare the two sides', error);
    }
  });

  scope.post<{ Params: { id: string } }>('/api/deals/:id/plan', async (request, reply) => {
    const dashboard = dashboardOr(reply);
    if (!dashboard) return reply;
    const row = await findDeal(request.params.id);
    if (!row) return sendError(reply, 404, 'not_found', `no deal with link id ${request.params.id}`);
    try {
      const result = await syncDeal(dashboard.sync, {
        referralId: row.link.referralId ?? undefined,
        opportunityId: row.link.opportunityId ?? undefined,
        trigger: 'cli',
        dryRun: true,
      });
      const answer: DealPlanResponse = {
        action: result.action,
        message: result.message,
        toSalesforce: result.toSalesforce,
        toPartnerCenter: result.toPartnerCenter,
        conflicts: result.conflicts,
      };
      return answer;
    } catch (error) {
      return upstreamFailure(reply, sendError, 'plan a sync', error);
    }
  });

  scope.post<{ Params: { id: string } }>('/api/deals/:id/sync', async (request, reply) => {
    const row = await findDeal(request.params.id);
    if (!row) return sendError(reply, 404, 'not_found', `no deal with link id ${request.params.id}`);
    return reply.code(202).send(await retryDeal(row));
  });

  scope.delete<{ Params: { id: string } }>('/api/deals/:id', async (request, reply) => {
    const link = await store.links.get(request.params.id);
    if (!link || link.connectionId !== connectionId)
      return sendError(reply, 404, 'not_found', `no deal with link id ${request.params.id}`);
    await forgetLink(
      store,
      link,
      (deps.dashboard?.sync.clock.now() ?? new Date()).toISOString(),
      'dashboard',
    );
    return { removed: link.id };
  });

  scope.get('/api/mapping', async (_request, reply) => {
    const dashboard = dashboardOr(reply);
    if (!dashboard) return reply;
    return { mapping: dashboard.sync.mapping };
  });

  scope.post('/api/mapping/test', async (request, reply) => {
    const dashboard = dashboardOr(reply);
    if (!dashboard) return reply;
    const body = mappingTestBody.safeParse(request.body);
    if (!body.success) return sendError(reply, 400, 'invalid_request', z.prettifyError(body.error));
    try {
      const { link: _link, ...answer } = await compareDeal(dashboard.sync, body.data);
      if (!answer.referralFound && !answer.opportunityFound)
        return sendError(
          reply,
          404,
          'not_found',
          'neither a referral nor an opportunity with that id exists; check the id (opportunity ids start with 006)',
        );
      return answer satisfies DealComparisonResponse;
    } catch (error) {
      return upstreamFailure(reply, sendError, 'read the record', error);
    }
  });
}
