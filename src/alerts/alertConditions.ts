/**
 * What the alert evaluator looks at, and the pure reading of it: for each kind of incident, whether its
 * condition holds now (with what a person should be told), has cleared, or cannot be known this time.
 * No I/O and no clock: the facts carry `now`.
 */

export const INCIDENT_KINDS = [
  'connection_paused',
  'dead_letters',
  'salesforce_api_budget',
  'webhook_silent',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** What an active condition tells a person. */
export interface IncidentText {
  title: string;
  summary: string;
  fix: string;
  facts: Record<string, unknown>;
}

export type ConditionReading =
  | ({ kind: IncidentKind; state: 'active' } & IncidentText)
  | { kind: IncidentKind; state: 'clear' }
  /** Not known this time (e.g. no Salesforce call reported usage yet): leave the incident as it is. */
  | { kind: IncidentKind; state: 'unknown' };

export interface AlertFacts {
  now: Date;
  connection: { state: 'active' | 'paused'; pausedReason: string | null } | null;
  /** Dead-lettered jobs of the connection (count may stop at the query's limit) and the newest one. */
  deadLetters: {
    count: number;
    countIsLowerBound: boolean;
    newest: { jobName: string; errorMessage: string; failedAt: string } | null;
  };
  /** Salesforce's daily API usage as last reported; null when unknown. */
  salesforceApiUsage: { used: number; max: number } | null;
  /** When the newest Partner Center webhook delivery arrived; null when none is stored. */
  lastWebhookDeliveryAt: string | null;
  /** When a reconcile last changed a deal from Partner Center's side (a change no webhook brought); null when never. */
  lastReconcileChangeAt: string | null;
}

export interface AlertThresholds {
  /** Share (0–1] of the daily Salesforce API requests at which the budget incident opens. */
  salesforceApiBudgetRatio: number;
  /** How long without any webhook delivery, while reconcile finds changed referrals, before the webhook incident opens. */
  webhookSilenceMs: number;
}

export function readAlertConditions(facts: AlertFacts, thresholds: AlertThresholds): ConditionReading[] {
  return [
    connectionPaused(facts),
    deadLetters(facts),
    salesforceApiBudget(facts, thresholds),
    webhookSilent(facts, thresholds),
  ];
}

function connectionPaused(facts: AlertFacts): ConditionReading {
  const kind = 'connection_paused';
  if (facts.connection?.state !== 'paused') return { kind, state: 'clear' };
  const reason = facts.connection.pausedReason ?? 'no reason was recorded';
  return {
    kind,
    state: 'active',
    title: 'Sync is paused: a sign-in needs attention',
    summary: `The connection is paused and no deal syncs until it is fixed. Reason: ${reason}`,
    fix: 'Do what the reason says (usually `cosell connect partner-center` or `cosell connect salesforce`); `cosell doctor` checks both sign-ins. Syncing resumes by itself once a sync succeeds.',
    facts: { pausedReason: reason },
  };
}

function deadLetters(facts: AlertFacts): ConditionReading {
  const kind = 'dead_letters';
  const { count, countIsLowerBound, newest } = facts.deadLetters;
  if (count === 0) return { kind, state: 'clear' };
  const howMany = `${count}${countIsLowerBound ? ' or more' : ''}`;
  const jobs = count === 1 && !countIsLowerBound ? '1 sync job' : `${howMany} sync jobs`;
  return {
    kind,
    state: 'active',
    title: 'Deals failed to sync and were set aside (dead letters)',
    summary: `${jobs} failed for good and ${jobs === '1 sync job' ? 'waits' : 'wait'} in dead letters.${newest ? ` Newest (${newest.jobName}, ${newest.failedAt}): ${newest.errorMessage}` : ''}`,
    fix: 'Open "Needs attention" on the dashboard (or run `cosell status`), fix what each reason names, then retry them (`cosell retry --dead-letters`). This clears when no dead letters are left.',
    facts: { count, countIsLowerBound, ...(newest ? { newest } : {}) },
  };
}

function salesforceApiBudget(facts: AlertFacts, thresholds: AlertThresholds): ConditionReading {
  const kind = 'salesforce_api_budget';
  const usage = facts.salesforceApiUsage;
  if (!usage || usage.max <= 0) return { kind, state: 'unknown' };
  const ratio = usage.used / usage.max;
  if (ratio < thresholds.salesforceApiBudgetRatio) return { kind, state: 'clear' };
  const percent = Math.floor(ratio * 100);
  return {
    kind,
    state: 'active',
    title: 'Salesforce API use is near the daily limit',
    summary: `The org has used ${usage.used.toLocaleString('en-US')} of its ${usage.max.toLocaleString('en-US')} daily API requests (${percent}%, alert at ${Math.round(thresholds.salesforceApiBudgetRatio * 100)}%). Polling for Salesforce changes has slowed down; webhook-driven syncs go on. At 100% Salesforce refuses API calls, for this connector and every other integration.`,
    fix: 'Find which integration uses the requests (Salesforce Setup > System Overview, or the API Usage report), reduce it, or raise the allocation with Salesforce. Usage counts over a rolling 24 hours, so this clears as old requests age out.',
    facts: { used: usage.used, max: usage.max, ratio: Math.round(ratio * 1000) / 1000 },
  };
}

function webhookSilent(facts: AlertFacts, thresholds: AlertThresholds): ConditionReading {
  const kind = 'webhook_silent';
  const changedAt = facts.lastReconcileChangeAt;
  const deliveredAt = facts.lastWebhookDeliveryAt;
  const nowMs = facts.now.getTime();
  const silentForMs = deliveredAt === null ? Number.POSITIVE_INFINITY : nowMs - Date.parse(deliveredAt);
  // Reconcile had to bring a Partner Center change that no delivery has followed, and nothing arrived for too long.
  const missed =
    changedAt !== null && (deliveredAt === null || Date.parse(changedAt) > Date.parse(deliveredAt));
  if (!missed || silentForMs <= thresholds.webhookSilenceMs) return { kind, state: 'clear' };
  const silence =
    deliveredAt === null
      ? 'No webhook delivery from Partner Center has been recorded'
      : `No webhook delivery from Partner Center for ${formatDuration(silentForMs)} (last at ${deliveredAt})`;
  return {
    kind,
    state: 'active',
    title: 'Partner Center webhooks have stopped arriving',
    summary: `${silence}, yet the periodic reconcile found referrals that changed (last at ${changedAt}). Changes now reach Salesforce only at each reconcile, not within seconds.`,
    fix: 'Run `cosell webhooks show` to check the registration and `cosell webhooks test` to send a test event; check that the public URL (server.publicUrl) reaches this service through any proxy or firewall. Register again with `cosell webhooks register` if needed. This clears when a delivery arrives.',
    facts: {
      lastWebhookDeliveryAt: deliveredAt,
      lastReconcileChangeAt: changedAt,
      silenceThresholdMs: thresholds.webhookSilenceMs,
    },
  };
}

/** "3 h 5 min", "12 min", "40 s": how long, for people. */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) return `${totalMinutes} min`;
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (hours < 48) return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
  return `${Math.floor(hours / 24)} days`;
}
