import type { DomainError } from '../shared/result.ts';
import type { DealState } from './dealState.ts';
import type { DealSyncDeps, DealSyncInput, DealSyncResult } from './dealSyncContext.ts';
import { auditLine, bookkeepingFields, currentSyncStatus, type SyncStatus } from './salesforceBookkeeping.ts';
import { saveLinkError, showsError } from './saveLink.ts';
import type { SalesforceDealRead } from './syncPorts.ts';
import { stringOrNull, syncResult } from './syncResult.ts';

/**
 * A deal that cannot be sent as it is: the reasons go to the opportunity (✖, Sync Status Error, Audit) and the
 * store, and the job succeeds — the seller fixes the opportunity, which triggers the next sync. No retry storm.
 */
export async function rejectInvalid(
  deps: DealSyncDeps,
  input: DealSyncInput,
  state: DealState,
  read: SalesforceDealRead,
  problems: readonly DomainError[],
): Promise<DealSyncResult> {
  const { mapping } = deps;
  const message = problems.map((problem) => problem.message.replace(/[.;\s]+$/, '')).join('; ');
  const ids = {
    referralId: state.referral?.id ?? null,
    opportunityId: read.opportunityId,
    linkId: state.link?.id ?? null,
  };
  if (input.dryRun) return syncResult(input, { ...ids, action: 'invalid', message });
  const error = { code: problems[0]?.code ?? 'invalid', message };
  const status: SyncStatus = 'Error';
  const alreadyShown =
    showsError(state.link, message) && currentSyncStatus(mapping, read.snapshot.opportunity) === status;
  if (!alreadyShown) {
    const line = auditLine(deps.clock.now(), false, `Not sent to Partner Center: ${message}`);
    const name = stringOrNull(read.snapshot.opportunity[mapping.fields.name.salesforceField ?? 'Name']);
    await deps.salesforce.updateOpportunity(
      read.opportunityId,
      bookkeepingFields(mapping, read.snapshot.opportunity, status, line, name),
    );
  }
  const saved = await saveLinkError(
    deps,
    state.link,
    { referralId: ids.referralId, opportunityId: read.opportunityId },
    { trigger: input.trigger, error, auditMessage: `Not sent to Partner Center: ${message}` },
  );
  // Nothing new to say (our own ✖ write woke the poller): report it as quiet.
  return syncResult(input, { ...ids, linkId: saved.id, action: alreadyShown ? 'noop' : 'invalid', message });
}
