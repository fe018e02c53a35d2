/**
 * The admin API's answers, as the dashboard (web/dashboard.js, checked by tsc through JSDoc) and scripts read them.
 * Row types from the store pass through unchanged; the deal views add what the store does not hold.
 */

import type { ConnectionLimits } from '../config/connectionConfig.ts';
import type { QueueStats } from '../jobs/jobQueue.ts';
import type { HealthCheck } from '../shared/healthCheck.ts';
import type { AuditEntry, DeadLetterRow, LinkRow, LinkState } from '../store/store.ts';
import type { FieldComparison } from '../sync/dealComparison.ts';

export type { AuditEntry, ConnectionLimits, DeadLetterRow, FieldComparison, LinkRow, LinkState, QueueStats };

/** GET /api/connections: every connection the server serves (the dashboard's switcher). */
export interface ConnectionsResponse {
  connections: {
    id: string;
    state: 'active' | 'paused' | null;
    pausedReason: string | null;
    limits: ConnectionLimits;
  }[];
}

export type AdminErrorCode =
  | 'invalid_request'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'unavailable';

export interface AdminError {
  error: { code: AdminErrorCode; message: string };
}

/** What the dashboard shows as a deal's state: the link state, unless a dead-lettered job says otherwise. */
export type DealSyncState = LinkState | 'deadLettered';

export interface DealSummary {
  linkId: string;
  referralId: string | null;
  opportunityId: string | null;
  salesforceObject: LinkRow['salesforceObject'];
  name: string | null;
  account: string | null;
  amount: number | null;
  currency: string | null;
  /** Partner Center `Status/Substatus` from the base snapshot. */
  status: string | null;
  /** The Salesforce stage that status maps to. */
  stage: string | null;
  /** Incoming (from Microsoft or a partner) or Outgoing (shared by us). */
  direction: string | null;
  syncState: DealSyncState;
  /** Why the deal is not synced, or null. */
  problem: { code: string; message: string; fix: string } | null;
  deadLetterId: string | null;
  lastSyncAt: string | null;
  lastTrigger: string | null;
  updatedAt: string;
  salesforceUrl: string | null;
  partnerCenterUrl: string | null;
}

export interface DealListResponse {
  deals: DealSummary[];
  total: number;
  page: number;
  pageSize: number;
}

export interface DealDetailResponse {
  deal: DealSummary;
  audit: AuditEntry[];
  deadLetters: DeadLetterRow[];
}

export interface DealComparisonResponse {
  referralId: string | null;
  opportunityId: string | null;
  referralFound: boolean;
  opportunityFound: boolean;
  fields: FieldComparison[];
}

/** A dry run's plan: what a sync would write now. */
export interface DealPlanResponse {
  action: string;
  message: string;
  toSalesforce: AuditEntry['changes'];
  toPartnerCenter: AuditEntry['changes'];
  conflicts: { field: string; winner: string }[];
}

export interface EnqueuedResponse {
  jobId: string;
  coalesced: boolean;
}

export interface AttentionResponse {
  deals: DealSummary[];
  /** Dead letters that belong to no link (e.g. a create that never got that far). */
  unlinkedDeadLetters: (DeadLetterRow & { fix: string })[];
}

export interface BulkRetryResponse {
  queued: { linkId: string; jobId: string }[];
  redriven: { deadLetterId: string; jobId: string }[];
  notFound: string[];
}

export interface OverviewResponse {
  connectionId: string;
  connection: { state: string; pausedReason: string | null; fix: string | null } | null;
  links: Record<LinkState, number>;
  queue: QueueStats;
  /** Hourly syncs over the last 24 hours, oldest first, every hour present. */
  activity: { hourStartAt: string; ok: number; errors: number; other: number }[];
  byTrigger: Record<string, number>;
  lastPollAt: string | null;
  lastReconcileAt: string | null;
  lastWebhookAt: string | null;
  salesforceApi: { used: number; max: number; budgetRatio: number } | null;
}

/** GET /api/health: Partner Center sign-in (MFA, renewal), Salesforce sign-in and webhook registration, each with its fix. */
export interface HealthResponse {
  health: HealthCheck[];
}

export interface MappingResponse {
  mapping: unknown;
}
