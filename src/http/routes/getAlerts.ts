/**
 * `GET /api/alerts`: open incidents and those closed recently, for the dashboard's Overview. Registered
 * inside the admin API's scope, so it takes the same authentication. The answer never holds a webhook URL:
 * destinations appear by their config name only.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type Clock, systemClock } from '../../shared/clock.ts';
import type { IncidentRow, Store } from '../../store/store.ts';
import { sendError } from './adminApi.ts';

export interface AlertView {
  id: string;
  /** connection_paused | dead_letters | salesforce_api_budget | webhook_silent */
  kind: string;
  title: string;
  summary: string;
  fix: string;
  facts: Record<string, unknown>;
  openedAt: string;
  lastSeenAt: string;
  closedAt: string | null;
  /** Which destinations got the opening and the recovery message, and when. */
  notified: { destination: string; openedAt: string | null; resolvedAt: string | null }[];
}

export interface AlertsResponse {
  /** Incidents open now, newest first. */
  open: AlertView[];
  /** Incidents closed within the last `days` days, newest opened first. */
  recent: AlertView[];
}

export interface GetAlertsDeps {
  connectionId: string;
  store: Store;
  clock?: Clock | undefined;
}

const alertsQuery = z.object({
  days: z.coerce.number().int().min(1).max(90).default(7),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const DAY_MS = 24 * 60 * 60_000;

export function alertView(incident: IncidentRow): AlertView {
  return {
    id: incident.id,
    kind: incident.kind,
    title: incident.title,
    summary: incident.summary,
    fix: incident.fix,
    facts: incident.facts,
    openedAt: incident.openedAt,
    lastSeenAt: incident.lastSeenAt,
    closedAt: incident.closedAt,
    notified: Object.entries(incident.notifications).map(([destination, sent]) => ({
      destination,
      openedAt: sent.openedAt ?? null,
      resolvedAt: sent.resolvedAt ?? null,
    })),
  };
}

export async function getAlerts(scope: FastifyInstance, deps: GetAlertsDeps): Promise<void> {
  const clock = deps.clock ?? systemClock;
  scope.get('/api/alerts', async (request, reply) => {
    const query = alertsQuery.safeParse(request.query);
    if (!query.success) return sendError(reply, 400, 'invalid_request', z.prettifyError(query.error));
    const closedSince = new Date(clock.now().getTime() - query.data.days * DAY_MS).toISOString();
    const incidents = await deps.store.incidents.listRecent({
      connectionId: deps.connectionId,
      closedSince,
      limit: query.data.limit,
    });
    const response: AlertsResponse = {
      open: incidents.filter((incident) => incident.closedAt === null).map(alertView),
      recent: incidents.filter((incident) => incident.closedAt !== null).map(alertView),
    };
    return response;
  });
}
