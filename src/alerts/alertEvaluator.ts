/**
 * The alert use case: read the facts from the store (and Salesforce's API usage), let the pure modules
 * decide which incidents open, stay or close and which messages are owed, then apply that: incident rows in
 * one transaction, then one POST per owed message, recorded as it succeeds. Runs are serialised in this
 * process; the scheduled job (alertSchedule.ts) makes it one run at a time cluster-wide.
 */
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { AsyncMutex } from '../store/asyncMutex.ts';
import type { IncidentRow, Store } from '../store/store.ts';
import { type AlertFacts, type AlertThresholds, readAlertConditions } from './alertConditions.ts';
import { type AlertFormat, type AlertMessage, alertPayload } from './alertPayload.ts';
import type { AlertDestination, AlertSender } from './alertSender.ts';
import { planIncidents } from './planIncidents.ts';
import { type OwedNotification, planNotifications } from './planNotifications.ts';

export interface FormattedDestination extends AlertDestination {
  format: AlertFormat;
}

export interface AlertEvaluatorOptions {
  connectionId: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  thresholds: AlertThresholds;
  destinations: readonly FormattedDestination[];
  sender: AlertSender;
  /** Salesforce's daily API usage; null when unknown. */
  salesforceApiUsage: () => Promise<{ used: number; max: number } | null>;
  /** A link to the dashboard for the messages, when the public URL is known. */
  dashboardUrl?: string | null;
  /** A recovery message still owed is given up this long after the incident closed (default one day). */
  resendWindowMs?: number;
}

export interface AlertEvaluation {
  opened: string[];
  closed: string[];
  sent: { incidentId: string; destination: string; event: 'opened' | 'resolved' }[];
  failed: { incidentId: string; destination: string; event: 'opened' | 'resolved'; message: string }[];
}

/** Dead letters counted per evaluation; more are reported as "N or more". */
const DEAD_LETTER_COUNT_LIMIT = 100;
const DAY_MS = 24 * 60 * 60_000;

export class AlertEvaluator {
  private readonly mutex = new AsyncMutex();

  constructor(private readonly options: AlertEvaluatorOptions) {}

  /** One evaluation: incidents brought up to date, owed messages sent. */
  evaluate(): Promise<AlertEvaluation> {
    return this.mutex.run(() => this.evaluateNow());
  }

  private async evaluateNow(): Promise<AlertEvaluation> {
    const { store, connectionId, clock, logger } = this.options;
    const now = clock.now();
    const readings = readAlertConditions(await this.readFacts(now), this.options.thresholds);
    const plan = planIncidents(readings, await store.incidents.listOpen(connectionId));
    const at = now.toISOString();
    const opened = await store.transaction(async (tx) => {
      const rows: IncidentRow[] = [];
      for (const incident of plan.open)
        rows.push(await tx.incidents.open({ connectionId, openedAt: at, ...incident }));
      for (const { id, ...text } of plan.refresh) await tx.incidents.refresh(id, { ...text, lastSeenAt: at });
      for (const { id } of plan.close) await tx.incidents.close(id, at);
      return rows;
    });
    for (const incident of opened)
      logger.warn(
        { incident: incident.kind, id: incident.id },
        `alert: ${incident.title}. ${incident.summary}`,
      );
    for (const incident of plan.close)
      logger.info({ incident: incident.kind, id: incident.id }, 'alert resolved');

    const recent = await store.incidents.listRecent({
      connectionId,
      closedSince: new Date(now.getTime() - (this.options.resendWindowMs ?? DAY_MS)).toISOString(),
    });
    const destinations = new Map(
      this.options.destinations.map((destination) => [destination.name, destination]),
    );
    const evaluation: AlertEvaluation = {
      opened: opened.map((row) => row.id),
      closed: plan.close.map((row) => row.id),
      sent: [],
      failed: [],
    };
    for (const owed of planNotifications(recent, [...destinations.keys()])) {
      const destination = destinations.get(owed.destination)!;
      const outcome = { incidentId: owed.incident.id, destination: owed.destination, event: owed.event };
      const result = await this.options.sender.send(
        destination,
        alertPayload(destination.format, this.messageFor(owed)),
      );
      if (result.ok) {
        await store.incidents.markNotified(
          owed.incident.id,
          owed.destination,
          owed.event,
          clock.now().toISOString(),
        );
        evaluation.sent.push(outcome);
      } else {
        logger.warn({ ...outcome, kind: result.error.kind }, result.error.message);
        evaluation.failed.push({ ...outcome, message: result.error.message });
      }
    }
    return evaluation;
  }

  private messageFor(owed: OwedNotification<IncidentRow>): AlertMessage {
    const { incident } = owed;
    return {
      event: owed.event,
      connectionId: this.options.connectionId,
      incident: {
        id: incident.id,
        kind: incident.kind,
        title: incident.title,
        summary: incident.summary,
        fix: incident.fix,
        facts: incident.facts,
        openedAt: incident.openedAt,
        closedAt: incident.closedAt,
      },
      dashboardUrl: this.options.dashboardUrl ?? null,
    };
  }

  private async readFacts(now: Date): Promise<AlertFacts> {
    const { store, connectionId } = this.options;
    const [connection, deadLetters, lastWebhookDeliveryAt, lastReconcileChangeAt, salesforceApiUsage] =
      await Promise.all([
        store.connections.get(connectionId),
        store.deadLetters.list({ connectionId, limit: DEAD_LETTER_COUNT_LIMIT }),
        store.inbox.lastReceivedAt(connectionId),
        store.audit.lastAt({
          connectionId,
          trigger: 'reconcile',
          outcomes: ['ok', 'conflict'],
          directions: ['toSalesforce', 'both'],
        }),
        this.options.salesforceApiUsage(),
      ]);
    const newest = deadLetters[0];
    return {
      now,
      connection: connection ? { state: connection.state, pausedReason: connection.pausedReason } : null,
      deadLetters: {
        count: deadLetters.length,
        countIsLowerBound: deadLetters.length >= DEAD_LETTER_COUNT_LIMIT,
        newest: newest
          ? { jobName: newest.jobName, errorMessage: newest.errorMessage, failedAt: newest.failedAt }
          : null,
      },
      salesforceApiUsage,
      lastWebhookDeliveryAt,
      lastReconcileChangeAt,
    };
  }
}
