/** GET /api/overview: the dashboard's Overview — activity over 24 hours, triggers, schedule, queue, API budget, health. */
import type { FastifyInstance } from 'fastify';
import type { JobQueue } from '../../jobs/jobQueue.ts';
import { OPPORTUNITY_CURSOR_SOURCE } from '../../salesforce/changePoller.ts';
import type { Store } from '../../store/store.ts';
import { RECONCILE_CURSOR_SOURCE } from '../../sync/syncWorker.ts';
import type { HealthResponse, OverviewResponse } from '../adminTypes.ts';
import type { DashboardDeps } from '../dashboard/dashboardDeps.ts';
import { pausedConnectionFix } from '../dashboard/problemFix.ts';

const HOUR_MS = 60 * 60_000;
const HOURS_SHOWN = 24;

export interface OverviewDeps {
  connectionId: string;
  store: Store;
  queue: JobQueue;
  dashboard: DashboardDeps | undefined;
  now: () => Date;
}

/** Every hour of the window, oldest first, with zero counts where nothing happened. */
export function hourlySeries(
  buckets: OverviewResponse['activity'],
  now: Date,
  hours: number,
): OverviewResponse['activity'] {
  const byHour = new Map(buckets.map((bucket) => [bucket.hourStartAt, bucket]));
  const currentHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return Array.from({ length: hours }, (_, index) => {
    const hourStartAt = new Date(currentHour - (hours - 1 - index) * HOUR_MS).toISOString();
    return byHour.get(hourStartAt) ?? { hourStartAt, ok: 0, errors: 0, other: 0 };
  });
}

export async function overviewRoutes(scope: FastifyInstance, deps: OverviewDeps): Promise<void> {
  const { connectionId, store, queue } = deps;
  scope.get('/api/overview', async () => {
    const now = deps.now();
    const since = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - (HOURS_SHOWN - 1) * HOUR_MS);
    const [connection, links, queueStats, activity, cursors, lastWebhookAt] = await Promise.all([
      store.connections.get(connectionId),
      store.links.countByState(connectionId),
      queue.stats(),
      store.reports.activity(connectionId, since.toISOString()),
      store.reports.cursorUpdates(connectionId),
      store.reports.lastWebhookAt(connectionId),
    ]);
    const cursorAt = (source: string) =>
      cursors.find((cursor) => cursor.source === source)?.updatedAt ?? null;
    const usage = deps.dashboard?.salesforceApiUsage() ?? null;
    const answer: OverviewResponse = {
      connectionId,
      connection: connection
        ? {
            state: connection.state,
            pausedReason: connection.pausedReason,
            fix: connection.state === 'paused' ? pausedConnectionFix(connection.pausedReason) : null,
          }
        : null,
      links,
      queue: queueStats,
      activity: hourlySeries(activity.buckets, now, HOURS_SHOWN),
      byTrigger: activity.byTrigger,
      lastPollAt: cursorAt(OPPORTUNITY_CURSOR_SOURCE),
      lastReconcileAt: cursorAt(RECONCILE_CURSOR_SOURCE),
      lastWebhookAt,
      salesforceApi:
        usage && deps.dashboard ? { ...usage, budgetRatio: deps.dashboard.salesforceApiBudgetRatio } : null,
    };
    return answer;
  });

  // Apart from /api/overview, so the overview never waits for Partner Center and Salesforce to answer.
  scope.get(
    '/api/health',
    async (): Promise<HealthResponse> => ({
      health: (await deps.dashboard?.health?.checks()) ?? [],
    }),
  );
  // "Check again": the health checks run now instead of when the kept results are a minute old.
  scope.post('/api/health/recheck', async (): Promise<HealthResponse> => {
    deps.dashboard?.health?.forget();
    return { health: (await deps.dashboard?.health?.checks()) ?? [] };
  });
}
