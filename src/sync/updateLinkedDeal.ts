/** Both sides exist: 3-way merge against the base, write the difference, pause/resume by the Sync box. */
import { type CoSellDeal, type DealField, statusText } from '../domain/coSellDeal.ts';
import { dealFromReferral } from '../domain/mapping/dealFromReferral.ts';
import { dealFromSalesforce } from '../domain/mapping/dealFromSalesforce.ts';
import { type JsonPatchOperation, referralPatchOps } from '../domain/mapping/referralPatchOps.ts';
import { salesforceOpportunityFields } from '../domain/mapping/salesforceOpportunityFields.ts';
import { mergeDeals } from '../domain/mergeDeals.ts';
import { validateDeal } from '../domain/validateDeal.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';
import type { DomainError } from '../shared/result.ts';
import type { AuditOutcome, FieldChange } from '../store/store.ts';
import { applyChildChangesFor } from './childRecordSync.ts';
import { writeNotes } from './dealNotes.ts';
import type { DealState } from './dealState.ts';
import {
  auditChanges,
  type DealSyncDeps,
  type DealSyncInput,
  type DealSyncResult,
} from './dealSyncContext.ts';
import { partnerCenterTransformOperations, salesforceTransformFields } from './mappingTransforms.ts';
import { referralInputOf } from './referralInputOf.ts';
import { rejectInvalid } from './rejectInvalid.ts';
import { auditLine, bookkeepingFields, currentSyncStatus } from './salesforceBookkeeping.ts';
import { saveLink } from './saveLink.ts';
import type { SalesforceDealRead } from './syncPorts.ts';
import { stringOrNull, syncResult } from './syncResult.ts';

export async function updateLinkedDeal(
  deps: DealSyncDeps,
  input: DealSyncInput,
  state: DealState,
  referral: PcReferral,
  read: SalesforceDealRead,
): Promise<DealSyncResult> {
  const { mapping } = deps;
  const ids = { referralId: referral.id, opportunityId: read.opportunityId, linkId: state.link?.id ?? null };
  const link = state.link;

  if (!read.syncEnabled && link) {
    if (link.state === 'paused')
      return syncResult(input, {
        ...ids,
        action: 'noop',
        message: 'Link is paused (Sync with Partner Center is not ticked).',
      });
    if (input.dryRun)
      return syncResult(input, {
        ...ids,
        action: 'pause',
        message: 'Would pause the link: Sync with Partner Center was un-ticked.',
      });
    await saveLink(
      deps,
      link,
      { state: 'paused' },
      {
        trigger: input.trigger,
        direction: 'none',
        outcome: 'skipped',
        changes: [],
        message: `Paused: Sync with Partner Center was un-ticked on opportunity ${read.opportunityId}. Tick it again to resume.`,
      },
    );
    return syncResult(input, {
      ...ids,
      action: 'pause',
      message: 'Paused the link: Sync with Partner Center was un-ticked.',
    });
  }

  const pcDeal = dealFromReferral(referralInputOf(referral), mapping, {
    relatedReferrals: state.related.map(referralInputOf),
  });
  const sfDeal = dealFromSalesforce(read.snapshot, mapping);
  const base = (link?.base as CoSellDeal | null | undefined) ?? null;
  const merge = mergeDeals({
    base,
    partnerCenter: pcDeal,
    salesforce: sfDeal,
    mapping,
    partnerCenterChangedAt: referral.updatedDateTime,
    salesforceChangedAt: read.lastModifiedAt,
  });
  const toSalesforce = auditChanges(merge.toSalesforce, 'salesforce');
  const toPartnerCenter = auditChanges(merge.toPartnerCenter, 'partnerCenter');
  const conflicts = merge.conflicts.map((conflict) => ({ field: conflict.field, winner: conflict.winner }));

  // Changes for Partner Center must be legal before any call is made.
  let operations: JsonPatchOperation[] = [];
  if (merge.toPartnerCenter.length) {
    const problems: DomainError[] = [];
    const valid = validateDeal(merge.merged, {
      current: { status: pcDeal.status, substatus: pcDeal.substatus },
      changedFields: merge.toPartnerCenter.map((change) => change.field),
    });
    if (!valid.ok) problems.push(...valid.error);
    const patch = referralPatchOps(merge.toPartnerCenter, merge.merged, mapping);
    if (patch.ok) operations = patch.value;
    else problems.push(patch.error);
    if (problems.length) return rejectInvalid(deps, input, state, read, problems);
  }
  operations = [
    ...operations,
    ...(await partnerCenterTransformOperations(mapping, merge.merged, referral.raw)),
  ];

  const resumed = link?.state === 'paused';
  if (input.dryRun) {
    const action = toSalesforce.length || toPartnerCenter.length ? 'update' : 'noop';
    return syncResult(input, {
      ...ids,
      action,
      toSalesforce,
      toPartnerCenter,
      conflicts,
      message: action === 'noop' ? 'In sync: nothing to write.' : 'Would update the deal.',
    });
  }

  const referralAfter = operations.length
    ? await deps.partnerCenter.patchReferral(referral.id, operations, referral.eTag)
    : referral;

  const now = deps.clock.now();
  const wroteSomething = toSalesforce.length > 0 || toPartnerCenter.length > 0;
  const message = describeUpdate(toSalesforce, toPartnerCenter, resumed);
  const opportunity = read.snapshot.opportunity;
  const statusChanged = currentSyncStatus(mapping, opportunity) !== 'Synced';
  // The status text on the opportunity is how the next read knows Partner Center's status: keep it current.
  const statusTextField = mapping.opportunity.statusTextField;
  const statusTextStale =
    statusTextField !== null &&
    opportunity[statusTextField] !== statusText(merge.merged.status, merge.merged.substatus);
  const salesforceFields: DealField[] = merge.toSalesforce.map((change) => change.field);
  if (statusTextStale && !salesforceFields.includes('status')) salesforceFields.push('status');
  let salesforceWritten = false;
  const transformed = await salesforceTransformFields(mapping, merge.merged, opportunity);
  if (salesforceFields.length || statusChanged || Object.keys(transformed).length) {
    const fields = {
      ...(salesforceFields.length
        ? salesforceOpportunityFields(merge.merged, mapping, salesforceFields, {
            currentStage: stringOrNull(opportunity['StageName']),
          })
        : {}),
      ...transformed,
    };
    const line = auditLine(now, true, message, [...toSalesforce, ...toPartnerCenter]);
    await deps.salesforce.updateOpportunity(read.opportunityId, {
      ...fields,
      ...bookkeepingFields(mapping, read.snapshot.opportunity, 'Synced', line, merge.merged.name),
    });
    salesforceWritten = true;
    await writeNotes(deps, read.opportunityId, merge.merged, base, salesforceFields);
    const collections = merge.toSalesforce
      .map((change) => change.field)
      .filter((field) => field === 'customerContacts' || field === 'solutions' || field === 'partnerTeam');
    if (collections.length) {
      await applyChildChangesFor(
        deps,
        read.opportunityId,
        stringOrNull(read.snapshot.opportunity['AccountId']),
        merge.merged,
        read.snapshot,
        collections,
      );
    }
  }
  const after = salesforceWritten ? await deps.salesforce.readDeal(read.opportunityId) : read;
  const outcome: AuditOutcome = conflicts.length ? 'conflict' : wroteSomething ? 'ok' : 'noop';
  const saved = await saveLink(
    deps,
    link,
    {
      referralId: referral.id,
      opportunityId: read.opportunityId,
      engagementId: referral.engagementId,
      base: merge.merged,
      pcETag: referralAfter.eTag,
      sfSystemModstamp: after?.systemModstamp ?? read.systemModstamp,
      state: 'synced',
      lastError: null,
    },
    wroteSomething || resumed || !link || conflicts.length
      ? {
          trigger: input.trigger,
          direction:
            toSalesforce.length && toPartnerCenter.length
              ? 'both'
              : toSalesforce.length
                ? 'toSalesforce'
                : toPartnerCenter.length
                  ? 'toPartnerCenter'
                  : 'none',
          outcome,
          changes: [...toSalesforce, ...toPartnerCenter],
          message: conflicts.length
            ? `${message} Conflict on ${conflicts.map((conflict) => `${conflict.field} (kept ${conflict.winner})`).join(', ')}.`
            : message,
        }
      : null,
  );
  return syncResult(input, {
    ...ids,
    linkId: saved.id,
    action: wroteSomething ? 'update' : 'noop',
    toSalesforce,
    toPartnerCenter,
    conflicts,
    message,
  });
}

function describeUpdate(
  toSalesforce: readonly FieldChange[],
  toPartnerCenter: readonly FieldChange[],
  resumed: boolean,
): string {
  const parts: string[] = [];
  if (resumed) parts.push('Resumed (Sync with Partner Center ticked again).');
  if (toPartnerCenter.length)
    parts.push(`Sent to Partner Center: ${toPartnerCenter.map((change) => change.field).join(', ')}.`);
  if (toSalesforce.length)
    parts.push(`Updated from Partner Center: ${toSalesforce.map((change) => change.field).join(', ')}.`);
  return parts.length ? parts.join(' ') : 'In sync: nothing to write.';
}
