/**
 * `cosell sync`: every deal (or the given ones) enqueued as keyed jobs on the same queue every other trigger
 * uses, then waited for. Whichever worker runs a job — this process's or a running server's — records what it
 * came to under the run's id, so the command reports exactly what happened, and never races a server.
 */

import type { JobQueue } from '../jobs/jobQueue.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';
import type { DealSyncRequest } from './dealJobs.ts';
import { enqueueDealSync } from './dealJobs.ts';
import type { DealSyncDeps, DealSyncResult } from './dealSyncContext.ts';

export type RunOutcome =
  | { request: DealSyncRequest; result: DealSyncResult }
  | { request: DealSyncRequest; error: string };

interface RecordedOutcome {
  runIndex?: number | null;
  result?: DealSyncResult;
  error?: string;
}

/** Every deal worth a look: all referrals (listed whole: the job need not read them again), plus opportunities
 * with Sync ticked or a referral id that no listed referral covers. */
export async function backfillRequests(deps: DealSyncDeps): Promise<DealSyncRequest[]> {
  const requests: DealSyncRequest[] = [];
  const seen = new Set<string>();
  const byEngagement = new Map<string, PcReferral[]>();
  for await (const referral of deps.partnerCenter.listAll()) {
    seen.add(referral.id);
    requests.push({ referralId: referral.id, trigger: 'backfill', referral });
    if (!referral.engagementId) continue;
    const engagement = byEngagement.get(referral.engagementId);
    if (engagement) engagement.push(referral);
    else byEngagement.set(referral.engagementId, [referral]);
  }
  // The listing is complete: each referral's engagement (Microsoft's side included) is known without asking again.
  for (const request of requests) {
    const engagementId = request.referral?.engagementId;
    if (engagementId) request.related = byEngagement.get(engagementId) ?? [];
  }
  for await (const candidate of deps.salesforce.listSyncCandidates()) {
    if (candidate.referralId && seen.has(candidate.referralId)) continue;
    requests.push({ opportunityId: candidate.opportunityId, trigger: 'backfill' });
  }
  return requests;
}

export interface RunDealSyncsOptions {
  runId: string;
  /** Called as outcomes arrive. */
  onProgress?: (done: number, total: number) => void;
  /** Give up waiting after this long; jobs not done by then stay queued. */
  timeoutMs: number;
  pollIntervalMs?: number;
}

/** Enqueues one job per request under the run's id and waits for their outcomes (in request order). */
export async function runDealSyncs(
  deps: DealSyncDeps,
  queue: Pick<JobQueue, 'enqueue'>,
  requests: readonly DealSyncRequest[],
  options: RunDealSyncsOptions,
): Promise<{ outcomes: RunOutcome[]; pending: DealSyncRequest[] }> {
  const { store, clock } = deps;
  for (const [runIndex, request] of requests.entries())
    await enqueueDealSync(deps, queue, { ...request, runId: options.runId, runIndex });
  // A job that ran twice (its worker died after the sync) records twice: count each deal once.
  const byIndex = new Map<number | null | undefined, RecordedOutcome>();
  let afterId: string | undefined;
  const deadline = clock.now().getTime() + options.timeoutMs;
  while (byIndex.size < requests.length && clock.now().getTime() < deadline) {
    const rows = await store.syncOutcomes.list(options.runId, afterId);
    for (const row of rows) {
      const outcome = row.outcome as RecordedOutcome;
      byIndex.set(outcome.runIndex, outcome);
    }
    afterId = rows.at(-1)?.id ?? afterId;
    options.onProgress?.(byIndex.size, requests.length);
    if (byIndex.size < requests.length && rows.length === 0)
      await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 100));
  }
  await store.syncOutcomes.prune(options.runId);
  const outcomes: RunOutcome[] = [];
  const pending: DealSyncRequest[] = [];
  for (const [index, request] of requests.entries()) {
    const outcome = byIndex.get(index);
    if (!outcome) pending.push(request);
    else if (outcome.result) outcomes.push({ request, result: outcome.result });
    else outcomes.push({ request, error: outcome.error ?? 'The job failed without a reason.' });
  }
  return { outcomes, pending };
}
