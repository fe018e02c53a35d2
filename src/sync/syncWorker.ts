/**
 * The worker side of sync: the batch handler for deal syncs, the related-referral handler, and the scheduled
 * jobs (Salesforce poll, Partner Center reconcile) that re-enqueue themselves. Scheduled jobs have one key per
 * connection, so with any number of processes each runs once per interval cluster-wide.
 */
import { isMicrosoftReferral } from '../domain/mapping/dealFromReferral.ts';
import type { BatchJobOutcome, Job, JobQueue } from '../jobs/jobQueue.ts';
import type { ChangePoller } from '../salesforce/changePoller.ts';
import { toError } from '../shared/upstreamError.ts';
import {
  type DealSyncPayload,
  type DealSyncRequest,
  dealSyncJob,
  enqueueDealSync,
  enqueueForEvent,
  JOB,
  type RelatedReferralPayload,
  relatedOf,
  relatedReferralJob,
  type ScheduledPayload,
  scheduleNext,
} from './dealJobs.ts';
import type { DealSyncDeps, DealSyncResult } from './dealSyncContext.ts';
import { type DealTraceSpan, startDealTrace } from './dealTrace.ts';
import { isOwnEcho } from './isOwnEcho.ts';
import { pollDelayFor } from './pollDelayFor.ts';
import { referralInputOf } from './readDealBatch.ts';
import { syncDealBatch } from './syncDealBatch.ts';

export interface SyncWorkerOptions {
  deps: DealSyncDeps;
  queue: JobQueue;
  poller: ChangePoller;
  /**
   * With several connections in one process: claim only this connection's jobs, and its deal jobs only while the
   * gate allows (not while it is paused). Without it, every job of each name is claimed (one connection).
   */
  scope?: { connectionId: string; gate: { mayClaim: () => Promise<boolean> } };
  /** Deal batches running at once. */
  concurrency: number;
  /** Most deals per batch (default 200: one sObject Collection call). */
  batchSize?: number;
  /** How long the first due deal waits for others to batch with (default 25 ms). */
  gatherMs?: number;
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
export const DEFAULT_BATCH_SIZE = 200;
export const DEFAULT_GATHER_MS = 25;

export const requestOf = (payload: DealSyncPayload): DealSyncRequest => ({
  referralId: payload.referralId,
  opportunityId: payload.opportunityId,
  trigger: payload.trigger,
  ...(payload.inboxId ? { inboxId: payload.inboxId } : {}),
  ...(payload.runId ? { runId: payload.runId } : {}),
  ...(payload.runIndex !== undefined ? { runIndex: payload.runIndex } : {}),
  ...(payload.referral ? { referral: payload.referral } : {}),
  ...(payload.referral && payload.related ? { related: relatedOf(payload) ?? [] } : {}),
});

const withoutListing = ({
  referral: _listed,
  related: _related,
  ...payload
}: DealSyncPayload): DealSyncPayload => payload;

/** The batch handler of `deal.sync` jobs: sync the deals, record what each came to. */
export function dealBatchHandler(
  options: Pick<SyncWorkerOptions, 'deps' | 'onDealSynced'>,
): (jobs: Job<DealSyncPayload>[]) => Promise<BatchJobOutcome[]> {
  const { deps } = options;
  const { store, clock, connectionId, logger } = deps;
  return async (jobs) => {
    // A job's trace starts when it keeps its deal (after the reads and the key check, before any plan or write):
    // a job that hands its deal back, or dies before deciding, never works on the deal.
    const traces: (DealTraceSpan | undefined)[] = jobs.map(() => undefined);
    const outcomes = await syncDealBatch(
      deps,
      // A listed referral is fresh for a job's first run only: a retry (after a 412, say) reads it again.
      jobs.map((job) => ({
        request: requestOf(job.attempt === 1 ? job.payload : withoutListing(job.payload)),
        key: job.key,
        signal: job.signal,
      })),
      {
        onKeptDeal: (index) => {
          traces[index] = startDealTrace(jobs[index]?.payload ?? {});
        },
      },
    ).catch((error: unknown) => {
      for (const [i, trace] of traces.entries()) trace?.finish(jobs[i]?.payload ?? {}, false);
      throw error;
    });
    for (const [i, outcome] of outcomes.entries())
      traces[i]?.finish(
        outcome.kind === 'done' ? outcome.result : (jobs[i]?.payload ?? {}),
        outcome.kind === 'done',
      );
    const results: BatchJobOutcome[] = [];
    const finished: { payload: DealSyncPayload; result: DealSyncResult }[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      const job = jobs[i]!;
      if (outcome.kind === 'failed') {
        results.push(toError(outcome.error));
        continue;
      }
      if (outcome.kind === 'rekeyed') {
        const requeue = await dealSyncJob(deps, requestOf(job.payload));
        results.push({ requeue: { ...requeue, key: outcome.key } });
        continue;
      }
      if (job.payload.inboxId)
        await store.inbox.markProcessed(job.payload.inboxId, clock.now().toISOString());
      if (job.payload.runId) finished.push({ payload: job.payload, result: outcome.result });
      options.onDealSynced?.(outcome.result);
      results.push(null);
    }
    if (finished.length) {
      await store.transaction(async (tx) => {
        for (const { payload, result } of finished)
          await tx.syncOutcomes.record(payload.runId ?? '', connectionId, {
            runIndex: payload.runIndex ?? null,
            result,
          });
      });
    }
    // A sync went through both sides: a connection paused by an earlier sign-in failure works again.
    if (results.some((result) => result === null)) {
      const connection = await store.connections.get(connectionId);
      if (connection?.state === 'paused') {
        await store.connections.setState(connectionId, 'active', null);
        logger.info({ connectionId }, 'connection active again: a sync succeeded after the sign-in problem');
      }
    }
    return results;
  };
}

/** Registers every handler and starts the scheduled jobs. */
export async function startSyncWorker(options: SyncWorkerOptions): Promise<void> {
  const { deps, queue, poller } = options;
  const { store, connectionId, clock, logger } = deps;
  // Scheduled jobs of a paused connection still run: they find out (and say) when its sign-in works again.
  const scoped = options.scope ? { connectionId: options.scope.connectionId } : {};
  const gated = options.scope ? { ...scoped, mayClaim: options.scope.gate.mayClaim } : {};

  await queue.workBatch<DealSyncPayload>(JOB.dealSync, dealBatchHandler(options), {
    concurrency: options.concurrency,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    gatherMs: options.gatherMs ?? DEFAULT_GATHER_MS,
    ...gated,
  });

  await queue.work<RelatedReferralPayload>(
    JOB.relatedReferral,
    async (job) => {
      await syncRelatedReferral(deps, queue, job.payload.microsoftReferralId);
      if (job.payload.inboxId)
        await store.inbox.markProcessed(job.payload.inboxId, clock.now().toISOString());
    },
    { concurrency: 1, ...gated },
  );

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
          for (const change of changes) {
            const link = await store.links.findByOpportunityId(connectionId, change.opportunityId);
            if (isOwnEcho(change, link)) continue;
            await enqueueDealSync(deps, queue, { opportunityId: change.opportunityId, trigger: 'poll' });
          }
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
    { concurrency: 1, recurring: true, ...scoped },
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
    { concurrency: 1, recurring: true, ...scoped },
  );

  await scheduleNext(queue, JOB.salesforcePoll, connectionId, clock.now(), { whenStarting: true });
  await scheduleNext(queue, JOB.reconcile, connectionId, clock.now(), { whenStarting: true });
  logger.debug({ connectionId }, 'sync worker started');
}

/**
 * A related referral changed (a `related-referral-*` event). Its resource may be Microsoft's referral or ours:
 * ours is synced directly; for Microsoft's, every referral of ours in its engagement is. Microsoft's side is
 * never imported as a deal of its own.
 */
export async function syncRelatedReferral(
  deps: DealSyncDeps,
  queue: Pick<JobQueue, 'enqueue'>,
  referralId: string,
): Promise<void> {
  const { store, connectionId, partnerCenter } = deps;
  if (await store.links.findByReferralId(connectionId, referralId)) {
    await enqueueDealSync(deps, queue, { referralId, trigger: 'related' });
    return;
  }
  const referral = await partnerCenter.getReferral(referralId);
  if (!referral?.engagementId) return;
  if (!isMicrosoftReferral(referralInputOf(referral))) {
    // One of ours that is not linked yet: it arrives through its own referral events or the reconcile.
    if (referral.externalReferenceId) await enqueueDealSync(deps, queue, { referralId, trigger: 'related' });
    return;
  }
  for (const sibling of await partnerCenter.listEngagementReferrals(referral.engagementId)) {
    if (sibling.id === referral.id || isMicrosoftReferral(referralInputOf(sibling))) continue;
    const linked = await store.links.findByReferralId(connectionId, sibling.id);
    if (linked || sibling.externalReferenceId)
      await enqueueDealSync(deps, queue, { referralId: sibling.id, trigger: 'related' });
  }
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
      await queue.enqueue(relatedReferralJob(connectionId, referral.id));
    } else {
      await enqueueDealSync(deps, queue, { referralId: referral.id, trigger: 'reconcile', referral });
    }
    enqueued += 1;
  }
  for (const row of await store.inbox.listUnprocessed(connectionId, 500)) {
    if (startedAt.getTime() - new Date(row.receivedAt).getTime() < INBOX_STALE_MS || !row.resourceId)
      continue;
    await enqueueForEvent(deps, queue, {
      eventName: row.eventName,
      resourceId: row.resourceId,
      inboxId: row.id,
      trigger: 'reconcile',
    });
  }
  await store.cursors.set(connectionId, RECONCILE_CURSOR_SOURCE, startedAt.toISOString());
  // Processed deliveries are kept a week (longer than Partner Center's retries), then dropped.
  await store.inbox.prune(new Date(startedAt.getTime() - INBOX_RETENTION_MS).toISOString());
  return enqueued;
}
