/**
 * A deal job that was dead-lettered: its link says so (state error, code `dead_letter`, the reason and the fix),
 * so the dashboard and `cosell status` never show such a deal as synced; a `cosell sync` run waiting for the job
 * hears of it.
 */
import type { Job } from '../jobs/jobQueue.ts';
import type { Store } from '../store/store.ts';
import { type DealSyncPayload, findDealLink, JOB } from './dealJobs.ts';

export const DEAD_LETTER_CODE = 'dead_letter';

export async function markDeadLettered(
  deps: { store: Store; connectionId: string },
  job: Job,
  error: Error,
): Promise<void> {
  if (job.name !== JOB.dealSync) return;
  const payload = job.payload as DealSyncPayload;
  const connectionId = payload.connectionId ?? deps.connectionId;
  const message = `Dead-lettered after ${job.attempt} attempt${job.attempt === 1 ? '' : 's'}: ${error.message} Fix the cause, then redrive it (\`cosell retry --dead-letters\`).`;
  await deps.store.transaction(async (tx) => {
    const link = await findDealLink(tx, connectionId, payload);
    if (link)
      await tx.links.update(link.id, { state: 'error', lastError: { code: DEAD_LETTER_CODE, message } });
    if (payload.runId)
      await tx.syncOutcomes.record(payload.runId, connectionId, {
        runIndex: payload.runIndex ?? null,
        error: message,
      });
  });
}
