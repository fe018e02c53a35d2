/**
 * `cosell sync`: every deal (or the given ones) enqueued as keyed jobs on the same queue every other trigger
 * uses, then waited for. Whichever worker runs a job — this process's or a running server's — records what it
 * came to under the run's id, so the command reports exactly what happened, and never races a server.
 *
 * Memory stays flat whatever the number of deals: the listing streams into the queue page by page, and each
 * outcome is handed to the caller as it arrives and then forgotten (only the ids of the deals still awaited are
 * kept, to report those left queued).
 */

import type { JobQueue } from '../jobs/jobQueue.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';
import type { DealSyncRequest } from './dealJobs.ts';
import { enqueueDealSyncs } from './dealJobs.ts';
import type { DealSyncDeps, DealSyncResult } from './dealSyncContext.ts';

/** What a deal request is reported as: its ids, not the listed referral it may carry. */
export type RequestIds = Pick<DealSyncRequest, 'referralId' | 'opportunityId' | 'trigger'>;

export type RunOutcome =
  | { request: RequestIds; result: DealSyncResult }
  | { request: RequestIds; error: string };

interface RecordedOutcome {
  runIndex?: number | null;
  result?: DealSyncResult;
  error?: string;
}

export const requestIdsOf = (request: DealSyncRequest): RequestIds => ({
  ...(request.referralId ? { referralId: request.referralId } : {}),
  ...(request.opportunityId ? { opportunityId: request.opportunityId } : {}),
  trigger: request.trigger,
});

/**
 * Every deal worth a look: all referrals (listed whole: the job need not read them again), plus opportunities
 * with Sync ticked or a referral id that no listed referral covers.
 *
 * Streamed: a first pass over the listing counts each engagement's referrals (ids only are kept); the second
 * yields each referral as soon as its whole engagement has been listed, carrying the engagement's referrals so
 * the job need not list them again. Only the referrals of engagements still being listed are held.
 */
export async function* backfillRequests(deps: DealSyncDeps): AsyncGenerator<DealSyncRequest> {
  const engagementSizes = new Map<string, number>();
  for await (const { engagementId } of deps.partnerCenter.listAllKeys()) {
    if (engagementId) engagementSizes.set(engagementId, (engagementSizes.get(engagementId) ?? 0) + 1);
  }
  const seen = new Set<string>();
  const open = new Map<string, PcReferral[]>();
  const requestsOf = (referrals: PcReferral[]): DealSyncRequest[] =>
    referrals.map((referral) => ({
      referralId: referral.id,
      trigger: 'backfill',
      referral,
      related: referrals,
    }));
  for await (const referral of deps.partnerCenter.listAll()) {
    if (seen.has(referral.id)) continue;
    seen.add(referral.id);
    const engagementId = referral.engagementId;
    // Listed only now (created between the passes): its job lists the engagement itself.
    const expected = engagementId ? engagementSizes.get(engagementId) : undefined;
    if (!engagementId || expected === undefined) {
      yield { referralId: referral.id, trigger: 'backfill', referral };
      continue;
    }
    const listed = [...(open.get(engagementId) ?? []), referral];
    if (listed.length < expected) {
      open.set(engagementId, listed);
      continue;
    }
    open.delete(engagementId);
    engagementSizes.delete(engagementId);
    yield* requestsOf(listed);
  }
  // Engagements that lost a referral between the passes: what was listed of them.
  for (const listed of open.values()) yield* requestsOf(listed);
  open.clear();
  for await (const candidate of deps.salesforce.listSyncCandidates()) {
    if (candidate.referralId && seen.has(candidate.referralId)) continue;
    yield { opportunityId: candidate.opportunityId, trigger: 'backfill' };
  }
}

/** Deals enqueued per queue transaction (a Partner Center listing page). */
const ENQUEUE_CHUNK = 100;

export interface RunDealSyncsOptions {
  runId: string;
  /** Called with each deal's outcome as it arrives (each deal once), then the outcome is forgotten. */
  onOutcome?: (outcome: RunOutcome) => void;
  /** Called as outcomes arrive and as deals are enqueued (the total grows while the listing streams in). */
  onProgress?: (done: number, total: number) => void;
  /** Give up waiting after this long; jobs not done by then stay queued. */
  timeoutMs: number;
  pollIntervalMs?: number;
}

/** Enqueues one job per request under the run's id while the requests stream in, and waits for their outcomes. */
export async function runDealSyncs(
  deps: DealSyncDeps,
  queue: Pick<JobQueue, 'enqueueMany'>,
  requests: AsyncIterable<DealSyncRequest> | Iterable<DealSyncRequest>,
  options: RunDealSyncsOptions,
): Promise<{ pending: RequestIds[]; total: number }> {
  const { store, clock } = deps;
  // The deals still awaited, by run index: a job that ran twice (its worker died after the sync) records twice.
  const awaited = new Map<number, RequestIds>();
  let total = 0;
  let done = 0;
  let enqueued = false;
  let enqueueError: unknown = null;
  // A listing page at a time, in one queue transaction.
  let chunk: DealSyncRequest[] = [];
  const flush = async () => {
    const batch = chunk;
    chunk = [];
    await enqueueDealSyncs(deps, queue, batch);
    options.onProgress?.(done, total);
  };
  const producer = (async () => {
    try {
      for await (const request of requests) {
        const runIndex = total;
        awaited.set(runIndex, requestIdsOf(request));
        total += 1;
        chunk.push({ ...request, runId: options.runId, runIndex });
        if (chunk.length >= ENQUEUE_CHUNK) await flush();
      }
      if (chunk.length) await flush();
    } catch (error) {
      enqueueError = error;
    } finally {
      enqueued = true;
    }
  })();
  let afterId: string | undefined;
  const deadline = clock.now().getTime() + options.timeoutMs;
  while ((!enqueued || awaited.size > 0) && clock.now().getTime() < deadline && enqueueError === null) {
    const rows = await store.syncOutcomes.list(options.runId, afterId);
    for (const row of rows) {
      const recorded = row.outcome as RecordedOutcome;
      const request = awaited.get(recorded.runIndex ?? -1);
      if (request === undefined) continue;
      awaited.delete(recorded.runIndex ?? -1);
      done += 1;
      options.onOutcome?.(
        recorded.result
          ? { request, result: recorded.result }
          : { request, error: recorded.error ?? 'The job failed without a reason.' },
      );
    }
    afterId = rows.at(-1)?.id ?? afterId;
    options.onProgress?.(done, total);
    if ((!enqueued || awaited.size > 0) && rows.length === 0)
      await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 100));
  }
  await producer;
  await store.syncOutcomes.prune(options.runId);
  if (enqueueError !== null) throw enqueueError;
  return { pending: [...awaited.values()], total };
}
