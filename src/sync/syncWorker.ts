/**
 * The worker side of sync: job handlers for every job name, and the scheduled jobs (Salesforce poll,
 * Partner Center reconcile) that re-enqueue themselves. Scheduled jobs have one key per connection, so
 * with any number of processes each runs once per interval cluster-wide.
 */

import { isMicrosoftReferral } from '../domain/mapping/dealFromReferral.ts';
import type { JobQueue } from '../jobs/jobQueue.ts';
import type { ChangePoller } from '../salesforce/changePoller.ts';
import type { DealSyncDeps, DealSyncResult } from './dealSyncContext.ts';
import { startDealTrace } from './dealTrace.ts';
import {
  type DealSyncPayload,
  dealJobKey,
  JOB,
  type RelatedReferralPayload,
  type ScheduledPayload,
  scheduledJobKey,
} from './jobNames.ts';
import { pollDelayFor } from './pollDelayFor.ts';
import { referralInputOf } from './referralInputOf.ts';
import { syncDeal } from './syncDeal.ts';

export interface SyncWorkerOptions {
  deps: DealSyncDeps;
  queue: JobQueue;
  poller: ChangePoller;
  concurrency: number;
  pollIntervalMs: number;
  reconcileIntervalMs: number;
  /** Re-read Partner Center changes this far before the reconcile cursor (clock skew, late commits). */
  reconcileOverlapMs?: number;
  /** Salesforce's daily API usage as last reported (Sforce-Limit-Info), for the budget guard. */
  salesforceApiUsage?: () => { used: number; max: number } | null;
  /** Share of the daily API requests above which polling slows down tenfold (default 0.8). */
  salesforceApiBudgetRatio?: number;
  /** Called after every deal sync (the sandbox's live activity log, metrics). */
  onDealSynced?: (result: DealSyncResult) => void;
}

export const RECONCILE_CURSOR_SOURCE = 'partnerCenter.referral';
const INBOX_STALE_MS = 60_000;
export const INBOX_RETENTION_MS = 7 * 24 * 60 * 60_000;

/** Enqueues a deal sync under the deal's key (by referral id when the link knows it). */
export async function enqueueDealSync(
  deps: Pick<DealSyncDeps, 'store' | 'connectionId'>,
  queue: JobQueue,
  payload: Omit<DealSyncPayload, 'connectionId'>,
): Promise<void> {
  const { connectionId } = deps;
  let referralId = payload.referralId ?? null;
  if (!referralId && payload.opportunityId) {
    referralId =
      (await deps.store.links.findByOpportunityId(connectionId, payload.opportunityId))?.referralId ?? null;
  }
  await queue.enqueue<DealSyncPayload>({
    name: JOB.dealSync,
    key: dealJobKey(connectionId, { referralId, opportunityId: payload.opportunityId ?? null }),
    connectionId,
    payload: { ...payload, connectionId, ...(referralId ? { referralId } : {}) },
  });
}

export async function scheduleNext(
  queue: JobQueue,
  name: string,
  connectionId: string,
  runAt: Date,
): Promise<void> {
  await queue.enqueue<ScheduledPayload>({
    name,
    key: scheduledJobKey(name, connectionId),
    connectionId,
    payload: { connectionId },
    runAt,
  });
}

/** Registers every handler and starts the scheduled jobs. */
export async function startSyncWorker(options: SyncWorkerOptions): Promise<void> {
  const { deps, queue, poller, concurrency } = options;
  const { store, connectionId, clock, logger } = deps;

  await queue.work<DealSyncPayload>(
    JOB.dealSync,
    async (job) => {
      const trace = startDealTrace(job.payload);
      const result = await syncDeal(deps, {
        referralId: job.payload.referralId,
        opportunityId: job.payload.opportunityId,
        trigger: job.payload.trigger,
      }).catch((error: unknown) => {
        trace.finish(job.payload, false);
        throw error;
      });
      trace.finish(result, true);
      if (job.payload.inboxId)
        await store.inbox.markProcessed(job.payload.inboxId, clock.now().toISOString());
      await resumeIfPaused();
      options.onDealSynced?.(result);
    },
    { concurrency },
  );

  await queue.work<RelatedReferralPayload>(
    JOB.relatedReferral,
    async (job) => {
      const microsoftReferral = await deps.partnerCenter.getReferral(job.payload.microsoftReferralId);
      if (microsoftReferral?.engagementId) {
        const engagement = await deps.partnerCenter.listEngagementReferrals(microsoftReferral.engagementId);
        for (const referral of engagement) {
          if (referral.id === microsoftReferral.id) continue;
          const linked = await store.links.findByReferralId(connectionId, referral.id);
          if (linked || referral.externalReferenceId) {
            await enqueueDealSync(deps, queue, { referralId: referral.id, trigger: 'related' });
          }
        }
      }
      if (job.payload.inboxId)
        await store.inbox.markProcessed(job.payload.inboxId, clock.now().toISOString());
    },
    { concurrency: 1 },
  );

  // A sync went through both sides: a connection paused by an earlier sign-in failure works again.
  const resumeIfPaused = async (): Promise<void> => {
    const connection = await store.connections.get(connectionId);
    if (connection?.state !== 'paused') return;
    await store.connections.setState(connectionId, 'active', null);
    logger.info({ connectionId }, 'connection active again: a sync succeeded after the sign-in problem');
  };

  // Budget guard: near the org's daily API allocation, poll ten times less often (webhook-driven syncs go on).
  let slowed = false;
  const pollDelayMs = (): number => {
    const usage = options.salesforceApiUsage?.() ?? null;
    const ratio = options.salesforceApiBudgetRatio ?? 0.8;
    const delayMs = pollDelayFor(usage, ratio, options.pollIntervalMs);
    const over = delayMs > options.pollIntervalMs;
    if (over !== slowed) {
      slowed = over;
      if (over)
        logger.warn(
          { used: usage?.used, max: usage?.max },
          `Salesforce API use is above ${Math.round(ratio * 100)}% of the daily allocation: polling every ${(options.pollIntervalMs * 10) / 1000} s`,
        );
      else logger.info('Salesforce API use is back under budget: polling at the normal interval');
    }
    return delayMs;
  };

  await queue.work<ScheduledPayload>(
    JOB.salesforcePoll,
    async () => {
      try {
        await poller.poll(async (changes) => {
          logger.debug({ changes }, 'Salesforce changes found');
          for (const change of changes)
            await enqueueDealSync(deps, queue, { opportunityId: change.opportunityId, trigger: 'poll' });
        });
      } finally {
        await scheduleNext(
          queue,
          JOB.salesforcePoll,
          connectionId,
          new Date(clock.now().getTime() + pollDelayMs()),
        );
      }
    },
    { concurrency: 1 },
  );

  await queue.work<ScheduledPayload>(
    JOB.reconcile,
    async () => {
      try {
        await reconcile(options);
      } finally {
        await scheduleNext(
          queue,
          JOB.reconcile,
          connectionId,
          new Date(clock.now().getTime() + options.reconcileIntervalMs),
        );
      }
    },
    { concurrency: 1 },
  );

  await scheduleNext(queue, JOB.salesforcePoll, connectionId, clock.now());
  await scheduleNext(queue, JOB.reconcile, connectionId, clock.now());
  logger.debug({ connectionId }, 'sync worker started');
}

/**
 * Heals what webhooks missed: every referral updated since the cursor (minus an overlap) gets a deal sync,
 * and inbox deliveries left unprocessed (a crash between store and enqueue) are enqueued again.
 */
export async function reconcile(
  options: Pick<SyncWorkerOptions, 'deps' | 'queue' | 'reconcileOverlapMs'>,
): Promise<number> {
  const { deps, queue } = options;
  const { store, connectionId, clock } = deps;
  const startedAt = clock.now();
  const cursor = await store.cursors.get(connectionId, RECONCILE_CURSOR_SOURCE);
  const overlapMs = options.reconcileOverlapMs ?? 5 * 60_000;
  // A first start looks back one overlap only: bringing in the tenant's existing referrals is a deliberate
  // backfill (`cosell sync`, with --dry-run first), not something a new install should do on its own.
  const since = new Date((cursor ? new Date(cursor).getTime() : startedAt.getTime()) - overlapMs);
  let enqueued = 0;
  for await (const referral of deps.partnerCenter.listUpdatedSince(since.toISOString())) {
    if (isMicrosoftReferral(referralInputOf(referral))) {
      // Microsoft's side changed: sync the partner's referral of the same engagement.
      await queue.enqueue<RelatedReferralPayload>({
        name: JOB.relatedReferral,
        key: `related:${connectionId}:${referral.id}`,
        connectionId,
        payload: { connectionId, microsoftReferralId: referral.id },
      });
    } else {
      await enqueueDealSync(deps, queue, { referralId: referral.id, trigger: 'reconcile' });
    }
    enqueued += 1;
  }
  for (const row of await store.inbox.listUnprocessed(connectionId, 500)) {
    if (startedAt.getTime() - new Date(row.receivedAt).getTime() < INBOX_STALE_MS || !row.resourceId)
      continue;
    if (row.eventName.startsWith('related-referral-')) {
      await queue.enqueue<RelatedReferralPayload>({
        name: JOB.relatedReferral,
        key: `related:${connectionId}:${row.resourceId}`,
        connectionId,
        payload: { connectionId, microsoftReferralId: row.resourceId, inboxId: row.id },
      });
    } else {
      await enqueueDealSync(deps, queue, {
        referralId: row.resourceId,
        trigger: 'reconcile',
        inboxId: row.id,
      });
    }
  }
  await store.cursors.set(connectionId, RECONCILE_CURSOR_SOURCE, startedAt.toISOString());
  // Processed deliveries are kept a week (longer than Partner Center's retries), then dropped.
  await store.inbox.prune(new Date(startedAt.getTime() - INBOX_RETENTION_MS).toISOString());
  return enqueued;
}
