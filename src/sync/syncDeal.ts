/** One deal, synced now: a batch of one through the same path every job takes (tests, single-deal callers). */
import type { DealSyncDeps, DealSyncInput, DealSyncResult } from './dealSyncContext.ts';
import { syncDealBatch } from './syncDealBatch.ts';

export async function syncDeal(deps: DealSyncDeps, input: DealSyncInput): Promise<DealSyncResult> {
  const [outcome] = await syncDealBatch(
    deps,
    [
      {
        request: { referralId: input.referralId, opportunityId: input.opportunityId, trigger: input.trigger },
      },
    ],
    { dryRun: input.dryRun === true },
  );
  if (outcome?.kind === 'done') return outcome.result;
  if (outcome?.kind === 'failed') throw outcome.error;
  throw new Error('The deal was handed to another job.');
}
