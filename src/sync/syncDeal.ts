/**
 * The one use case every trigger ends in: sync one deal. It reads the current state of both sides,
 * merges against the base (the last state both agreed on), writes what differs idempotently, and
 * stores the new base with an audit entry in one transaction. Being state-based, duplicated,
 * reordered or lost triggers are harmless: the next run converges.
 *
 * Cases:
 * - a referral with no opportunity  → create the opportunity (upsert on the referral-id field);
 * - an opportunity with Sync ticked and no referral → validate, then create the referral (after
 *   looking for one whose externalReferenceId is the opportunity, so a crash never makes two);
 * - both → 3-way merge; Sync un-ticked pauses the link, ticked again resumes it.
 */
import { type CoSellDeal, type DealField, statusText } from '../domain/coSellDeal.ts';
import { accountFields } from '../domain/mapping/accountFields.ts';
import { accountMatchKey } from '../domain/mapping/accountMatchKey.ts';
import { dealFromReferral, isMicrosoftReferral } from '../domain/mapping/dealFromReferral.ts';
import { dealFromSalesforce } from '../domain/mapping/dealFromSalesforce.ts';
import { leadFields } from '../domain/mapping/leadFields.ts';
import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import { referralCreateBody } from '../domain/mapping/referralCreateBody.ts';
import { type JsonPatchOperation, referralPatchOps } from '../domain/mapping/referralPatchOps.ts';
import { salesforceOpportunityFields } from '../domain/mapping/salesforceOpportunityFields.ts';
import { salesforceTargetFor } from '../domain/mapping/salesforceTargetFor.ts';
import { mergeDeals } from '../domain/mergeDeals.ts';
import { validateDeal } from '../domain/validateDeal.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';
import type { DomainError } from '../shared/result.ts';
import type { AuditOutcome, FieldChange, LinkRow, LinkState } from '../store/store.ts';
import { applyChildChangesFor } from './childRecordSync.ts';
import {
  auditChanges,
  type DealSyncDeps,
  type DealSyncInput,
  type DealSyncResult,
} from './dealSyncContext.ts';
import {
  partnerCenterTransformOperations,
  salesforceTransformFields,
  withPartnerCenterTransforms,
} from './mappingTransforms.ts';
import { referralInputOf } from './referralInputOf.ts';
import { auditLine, bookkeepingFields, currentSyncStatus, type SyncStatus } from './salesforceBookkeeping.ts';
import type { SalesforceDealRead } from './syncPorts.ts';

interface DealState {
  link: LinkRow | null;
  referral: PcReferral | null;
  related: PcReferral[];
  salesforce: SalesforceDealRead | null;
}

const result = (
  input: DealSyncInput,
  partial: Partial<DealSyncResult> & Pick<DealSyncResult, 'action' | 'message'>,
): DealSyncResult => ({
  linkId: null,
  referralId: null,
  opportunityId: null,
  toSalesforce: [],
  toPartnerCenter: [],
  conflicts: [],
  trigger: input.trigger,
  dryRun: input.dryRun === true,
  ...partial,
});

/** Reads both sides of the deal, finding the missing side through the link or the ids each side holds. */
async function readDeal(deps: DealSyncDeps, input: DealSyncInput): Promise<DealState> {
  const { store, connectionId, partnerCenter, salesforce } = deps;
  let link =
    (input.referralId ? await store.links.findByReferralId(connectionId, input.referralId) : null) ??
    (input.opportunityId ? await store.links.findByOpportunityId(connectionId, input.opportunityId) : null);
  let referralId = link?.referralId ?? input.referralId ?? null;
  let opportunityId = link?.opportunityId ?? input.opportunityId ?? null;

  let referral = referralId ? await partnerCenter.getReferral(referralId) : null;
  if (!referral && opportunityId) {
    referral = await partnerCenter.findReferralByExternalReferenceId(opportunityId);
    referralId = referral?.id ?? referralId;
  }
  if (!opportunityId && referralId)
    opportunityId = await salesforce.findOpportunityIdByReferralId(referralId);
  if (!opportunityId && referral?.externalReferenceId) opportunityId = referral.externalReferenceId;
  const isLead = link?.salesforceObject === 'lead';
  const salesforceRead = opportunityId && !isLead ? await salesforce.readDeal(opportunityId) : null;
  // The opportunity may already carry the referral id (written by a sync still in progress, or by an older
  // link that was lost): that referral is this deal's, never a reason to create another.
  const referralIdField = deps.mapping.fields.referralId.salesforceField;
  const idOnOpportunity = referralIdField ? salesforceRead?.snapshot.opportunity[referralIdField] : null;
  if (!referral && typeof idOnOpportunity === 'string' && idOnOpportunity !== '') {
    referral = await partnerCenter.getReferral(idOnOpportunity);
  }

  if (!link && referral) link = await store.links.findByReferralId(connectionId, referral.id);
  if (!link && salesforceRead)
    link = await store.links.findByOpportunityId(connectionId, salesforceRead.opportunityId);
  const related =
    referral?.engagementId && referral.type === 'Shared'
      ? await partnerCenter.listEngagementReferrals(referral.engagementId)
      : [];
  return { link, referral, related, salesforce: salesforceRead };
}

export async function syncDeal(deps: DealSyncDeps, input: DealSyncInput): Promise<DealSyncResult> {
  const state = await readDeal(deps, input);
  if (state.referral && isMicrosoftReferral(referralInputOf(state.referral))) {
    // Microsoft's side of an engagement: its changes reach the partner's referral (related-referral events).
    return result(input, {
      action: 'skip',
      referralId: state.referral.id,
      linkId: state.link?.id ?? null,
      message: `Referral ${state.referral.id} is Microsoft's side of engagement ${state.referral.engagementId ?? '?'}; it is synced through the partner's referral.`,
    });
  }
  if (state.link?.salesforceObject === 'lead' && state.referral) {
    const outcome = await syncLead(deps, input, state.link, state.referral);
    // A converted lead is an opportunity now: carry on as one.
    return outcome.converted ? syncDeal(deps, { ...input, referralId: state.referral.id }) : outcome.result;
  }
  if (state.referral && state.salesforce)
    return updateLinkedDeal(deps, input, state, state.referral, state.salesforce);
  const created = state.referral
    ? await createOpportunity(deps, input, state, state.referral)
    : state.salesforce
      ? await createReferral(deps, input, state, state.salesforce)
      : null;
  if (created) {
    if (input.dryRun || (created.action !== 'create_opportunity' && created.action !== 'create_referral'))
      return created;
    // The new side may differ from the base (ids, the CRM id, values the other side normalised): one merge settles it.
    const after = await readDeal(deps, {
      ...input,
      referralId: created.referralId ?? undefined,
      opportunityId: created.opportunityId ?? undefined,
    });
    if (!after.referral || !after.salesforce) return created;
    const settled = await updateLinkedDeal(deps, input, after, after.referral, after.salesforce);
    return {
      ...created,
      toSalesforce: [...created.toSalesforce, ...settled.toSalesforce],
      toPartnerCenter: [...created.toPartnerCenter, ...settled.toPartnerCenter],
      conflicts: settled.conflicts,
    };
  }
  return result(input, {
    action: 'skip',
    linkId: state.link?.id ?? null,
    message: 'Neither the referral nor the opportunity exists (any more); nothing to sync.',
  });
}

// ————————————————————————————————————— Partner Center → Salesforce: new referral

async function createOpportunity(
  deps: DealSyncDeps,
  input: DealSyncInput,
  state: DealState,
  referral: PcReferral,
): Promise<DealSyncResult> {
  const { mapping } = deps;
  const deal = dealFromReferral(referralInputOf(referral), mapping, {
    relatedReferrals: state.related.map(referralInputOf),
  });
  const base = { referralId: referral.id, linkId: state.link?.id ?? null };
  const target = salesforceTargetFor(deal, mapping);
  if (target === 'skip') {
    return skipped(
      deps,
      input,
      base,
      `Referral ${referral.id} is a Microsoft lead; leads.handling is "skip".`,
    );
  }
  const currency = currencyProblem(mapping, deal);
  if (currency) return refuseReferral(deps, input, state, referral, currency);
  if (target === 'lead' && !state.link) return createLead(deps, input, state, referral, deal);
  if (deal.status === 'Closed' && !state.link) {
    return skipped(
      deps,
      input,
      base,
      `Referral ${referral.id} was already closed (${deal.status}/${deal.substatus}) before it was linked.`,
    );
  }
  if (state.link?.opportunityId) {
    // We created an opportunity for it before and it is gone (deleted in Salesforce): do not recreate it.
    return skipped(
      deps,
      input,
      base,
      `The opportunity linked to referral ${referral.id} no longer exists; delete the link to sync it again.`,
    );
  }
  const fields = {
    ...salesforceOpportunityFields(deal, mapping),
    ...(await salesforceTransformFields(mapping, deal, null)),
  };
  const changes = creationChanges(fields);
  if (input.dryRun) {
    return result(input, {
      action: 'create_opportunity',
      referralId: referral.id,
      toSalesforce: changes,
      message: `Would create an opportunity for referral ${referral.id}.`,
    });
  }
  const now = deps.clock.now();
  const line = auditLine(now, true, `Created from Partner Center referral ${referral.id}`);
  const accountId = await ensureAccountFor(deps, deal);
  const created = await deps.salesforce.upsertOpportunityByReferralId(referral.id, {
    ...fields,
    [mapping.opportunity.syncFlagField]: true,
    ...(accountId ? { AccountId: accountId } : {}),
    ...bookkeepingFields(mapping, null, 'Synced', line, deal.name),
  });
  await applyChildChangesFor(deps, created.id, accountId, deal, null);
  await writeNotes(deps, created.id, deal, null, ['notes']);
  const after = await deps.salesforce.readDeal(created.id);
  const saved = await saveLink(
    deps,
    state.link,
    {
      referralId: referral.id,
      opportunityId: created.id,
      engagementId: referral.engagementId,
      base: deal,
      pcETag: referral.eTag,
      sfSystemModstamp: after?.systemModstamp ?? null,
      state: 'synced',
      lastError: null,
    },
    {
      trigger: input.trigger,
      direction: 'toSalesforce',
      outcome: 'ok',
      changes,
      message: `${created.created ? 'Created' : 'Linked'} opportunity ${created.id} from referral ${referral.id}.`,
    },
  );
  return result(input, {
    action: 'create_opportunity',
    linkId: saved.id,
    referralId: referral.id,
    opportunityId: created.id,
    toSalesforce: changes,
    message: `${created.created ? 'Created' : 'Linked'} opportunity ${created.id} from referral ${referral.id}.`,
  });
}

async function ensureAccountFor(deps: DealSyncDeps, deal: CoSellDeal): Promise<string | null> {
  if (!deal.customer?.name || deps.mapping.fields.customer.direction === 'toPartnerCenter') return null;
  return deps.salesforce.ensureAccount(
    accountMatchKey(deal.customer),
    accountFields(deal.customer, deps.mapping),
  );
}

// ————————————————————————————————————— Salesforce → Partner Center: new opportunity

async function createReferral(
  deps: DealSyncDeps,
  input: DealSyncInput,
  state: DealState,
  read: SalesforceDealRead,
): Promise<DealSyncResult> {
  const { mapping } = deps;
  const base = { opportunityId: read.opportunityId, linkId: state.link?.id ?? null };
  if (!read.syncEnabled) {
    return result(input, {
      action: 'skip',
      ...base,
      message: `Opportunity ${read.opportunityId} does not have Sync with Partner Center ticked.`,
    });
  }
  if (state.link?.referralId) {
    return skipped(
      deps,
      input,
      base,
      `The referral linked to opportunity ${read.opportunityId} (${state.link.referralId}) no longer exists in Partner Center.`,
    );
  }
  const deal = dealFromSalesforce(read.snapshot, mapping);
  const valid = validateDeal(deal);
  if (!valid.ok) return rejectInvalid(deps, input, state, read, valid.error);
  const body = await withPartnerCenterTransforms(mapping, deal, {
    ...referralCreateBody(deal, mapping, { opportunityId: read.opportunityId }),
  });
  const changes: FieldChange[] = [
    { field: 'referral', side: 'partnerCenter', before: null, after: body['name'] ?? deal.name },
  ];
  if (input.dryRun) {
    return result(input, {
      ...base,
      action: 'create_referral',
      toPartnerCenter: changes,
      message: `Would create a referral for opportunity ${read.opportunityId}.`,
    });
  }
  // Idempotence: a referral created by an earlier run that crashed before it was linked is found here.
  const referral =
    (await deps.partnerCenter.findReferralByExternalReferenceId(read.opportunityId)) ??
    (await deps.partnerCenter.createReferral(body));
  const saved = await saveLink(
    deps,
    state.link,
    {
      referralId: referral.id,
      opportunityId: read.opportunityId,
      engagementId: referral.engagementId,
      // The base is what Salesforce sent: the follow-up merge then brings back what Partner Center added.
      base: deal,
      pcETag: referral.eTag,
      sfSystemModstamp: read.systemModstamp,
      state: 'synced',
      lastError: null,
    },
    {
      trigger: input.trigger,
      direction: 'toPartnerCenter',
      outcome: 'ok',
      changes,
      message: `Created referral ${referral.id} from opportunity ${read.opportunityId}.`,
    },
  );
  return result(input, {
    action: 'create_referral',
    linkId: saved.id,
    referralId: referral.id,
    opportunityId: read.opportunityId,
    toPartnerCenter: changes,
    message: `Created referral ${referral.id} from opportunity ${read.opportunityId}.`,
  });
}

// ————————————————————————————————————— both sides exist

async function updateLinkedDeal(
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
      return result(input, {
        ...ids,
        action: 'noop',
        message: 'Link is paused (Sync with Partner Center is not ticked).',
      });
    if (input.dryRun)
      return result(input, {
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
    return result(input, {
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
    return result(input, {
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
  return result(input, {
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

/** The audit rows of a new Salesforce record: every field from nothing to its value. */
const creationChanges = (fields: Record<string, unknown>, prefix = ''): FieldChange[] =>
  Object.entries(fields).map(([field, after]) => ({
    field: `${prefix}${field}`,
    side: 'salesforce',
    before: null,
    after,
  }));

const stringOrNull = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

// ————————————————————————————————————— outcomes recorded in the store

interface AuditDraft {
  trigger: string;
  direction: 'toSalesforce' | 'toPartnerCenter' | 'both' | 'none';
  outcome: AuditOutcome;
  changes: FieldChange[];
  message: string;
  error?: { code: string; message: string } | null;
}

interface LinkFields {
  referralId?: string | null;
  salesforceObject?: 'opportunity' | 'lead';
  opportunityId?: string | null;
  engagementId?: string | null;
  base?: unknown;
  pcETag?: string | null;
  sfSystemModstamp?: string | null;
  state: LinkState;
  lastError?: { code: string; message: string } | null;
}

/** Inserts or updates the link and appends the audit entry in one transaction. */
async function saveLink(
  deps: DealSyncDeps,
  existing: LinkRow | null,
  fields: LinkFields,
  audit: AuditDraft | null,
): Promise<LinkRow> {
  return deps.store.transaction(async (tx) => {
    const link = existing
      ? await tx.links.update(existing.id, fields)
      : await tx.links.insert({
          connectionId: deps.connectionId,
          referralId: fields.referralId ?? null,
          opportunityId: fields.opportunityId ?? null,
          salesforceObject: fields.salesforceObject ?? 'opportunity',
          engagementId: fields.engagementId ?? null,
          base: fields.base ?? null,
          pcETag: fields.pcETag ?? null,
          sfSystemModstamp: fields.sfSystemModstamp ?? null,
          state: fields.state,
          lastError: fields.lastError ?? null,
        });
    if (audit) {
      await tx.audit.append({
        connectionId: deps.connectionId,
        linkId: link.id,
        referralId: link.referralId,
        opportunityId: link.opportunityId,
        at: deps.clock.now().toISOString(),
        trigger: audit.trigger,
        direction: audit.direction,
        outcome: audit.outcome,
        changes: audit.changes,
        error: audit.error ?? null,
        message: audit.message,
      });
    }
    return link;
  });
}

async function skipped(
  deps: DealSyncDeps,
  input: DealSyncInput,
  ids: { referralId?: string; opportunityId?: string; linkId: string | null },
  message: string,
): Promise<DealSyncResult> {
  if (!input.dryRun) {
    await deps.store.audit.append({
      connectionId: deps.connectionId,
      linkId: ids.linkId,
      referralId: ids.referralId ?? null,
      opportunityId: ids.opportunityId ?? null,
      at: deps.clock.now().toISOString(),
      trigger: input.trigger,
      direction: 'none',
      outcome: 'skipped',
      changes: [],
      error: null,
      message,
    });
  }
  return result(input, {
    action: 'skip',
    linkId: ids.linkId,
    referralId: ids.referralId ?? null,
    opportunityId: ids.opportunityId ?? null,
    message,
  });
}

/**
 * A deal that cannot be sent as it is: the reasons go to the opportunity (✖, Sync Status Error, Audit) and the
 * store, and the job succeeds — the seller fixes the opportunity, which triggers the next sync. No retry storm.
 */
async function rejectInvalid(
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
  if (input.dryRun) return result(input, { ...ids, action: 'invalid', message });
  const error = { code: problems[0]?.code ?? 'invalid', message };
  const sameError = state.link?.state === 'error' && state.link.lastError?.message === message;
  const status: SyncStatus = 'Error';
  const alreadyShown = sameError && currentSyncStatus(mapping, read.snapshot.opportunity) === status;
  if (!alreadyShown) {
    const line = auditLine(deps.clock.now(), false, `Not sent to Partner Center: ${message}`);
    const name = stringOrNull(read.snapshot.opportunity[mapping.fields.name.salesforceField ?? 'Name']);
    await deps.salesforce.updateOpportunity(
      read.opportunityId,
      bookkeepingFields(mapping, read.snapshot.opportunity, status, line, name),
    );
  }
  const saved = await saveLink(
    deps,
    state.link,
    { referralId: ids.referralId, opportunityId: read.opportunityId, state: 'error', lastError: error },
    sameError
      ? null
      : {
          trigger: input.trigger,
          direction: 'none',
          outcome: 'error',
          changes: [],
          message: `Not sent to Partner Center: ${message}`,
          error,
        },
  );
  // Nothing new to say (our own ✖ write woke the poller): report it as quiet.
  return result(input, { ...ids, linkId: saved.id, action: alreadyShown ? 'noop' : 'invalid', message });
}

// ————————————————————————————————————— currency and leads

/** Single-currency orgs cannot hold another currency's amount: refuse it rather than write a wrong number. */
function currencyProblem(mapping: Mapping, deal: CoSellDeal): DomainError | null {
  if (
    mapping.currency.mode !== 'orgCurrency' ||
    !deal.currency ||
    deal.currency === mapping.currency.orgCurrency
  )
    return null;
  return {
    code: 'currency_mismatch',
    path: 'currency',
    message: `The referral's deal value is in ${deal.currency} but Salesforce is a single-currency org in ${mapping.currency.orgCurrency}; it was not synced so no amount is silently wrong. Ask for the referral in ${mapping.currency.orgCurrency}, or enable multi-currency in Salesforce (currency.mode: multiCurrency).`,
  };
}

/** A referral that cannot be brought into Salesforce: recorded on the link and in the audit, no write, no retry. */
async function refuseReferral(
  deps: DealSyncDeps,
  input: DealSyncInput,
  state: DealState,
  referral: PcReferral,
  problem: DomainError,
): Promise<DealSyncResult> {
  const ids = { referralId: referral.id, opportunityId: state.link?.opportunityId ?? null };
  if (input.dryRun)
    return result(input, {
      ...ids,
      linkId: state.link?.id ?? null,
      action: 'invalid',
      message: problem.message,
    });
  const error = { code: problem.code, message: problem.message };
  const same = state.link?.state === 'error' && state.link.lastError?.message === problem.message;
  const saved = await saveLink(
    deps,
    state.link,
    { referralId: referral.id, engagementId: referral.engagementId, state: 'error', lastError: error },
    same
      ? null
      : {
          trigger: input.trigger,
          direction: 'none',
          outcome: 'error',
          changes: [],
          message: `Not synced to Salesforce: ${problem.message}`,
          error,
        },
  );
  return result(input, { ...ids, linkId: saved.id, action: 'invalid', message: problem.message });
}

/** leads.handling "lead": an unaccepted Microsoft lead becomes a Salesforce Lead (idempotent on its referral id). */
async function createLead(
  deps: DealSyncDeps,
  input: DealSyncInput,
  state: DealState,
  referral: PcReferral,
  deal: CoSellDeal,
): Promise<DealSyncResult> {
  const fields = leadFields(deal, deps.mapping);
  const changes = creationChanges(fields, 'Lead.');
  if (input.dryRun) {
    return result(input, {
      action: 'create_lead',
      referralId: referral.id,
      toSalesforce: changes,
      message: `Would create a lead for referral ${referral.id}.`,
    });
  }
  const lead = await deps.salesforce.upsertLeadByReferralId(referral.id, fields);
  const message = `${lead.created ? 'Created' : 'Linked'} lead ${lead.id} from Microsoft lead ${referral.id}.`;
  const saved = await saveLink(
    deps,
    state.link,
    {
      referralId: referral.id,
      opportunityId: lead.id,
      salesforceObject: 'lead',
      engagementId: referral.engagementId,
      base: deal,
      pcETag: referral.eTag,
      state: 'synced',
      lastError: null,
    },
    { trigger: input.trigger, direction: 'toSalesforce', outcome: 'ok', changes, message },
  );
  return result(input, {
    action: 'create_lead',
    linkId: saved.id,
    referralId: referral.id,
    opportunityId: lead.id,
    toSalesforce: changes,
    message,
  });
}

/**
 * A linked lead: converting it in Salesforce accepts the referral and links the new opportunity; closing it
 * unconverted declines the referral. Returns `converted` when the link now points at an opportunity.
 */
async function syncLead(
  deps: DealSyncDeps,
  input: DealSyncInput,
  link: LinkRow,
  referral: PcReferral,
): Promise<{ converted: boolean; result: DealSyncResult }> {
  const { mapping } = deps;
  const ids = { referralId: referral.id, opportunityId: link.opportunityId, linkId: link.id };
  const lead = link.opportunityId ? await deps.salesforce.readLead(link.opportunityId) : null;
  if (!lead)
    return {
      converted: false,
      result: result(input, {
        ...ids,
        action: 'skip',
        message: `The lead linked to referral ${referral.id} no longer exists.`,
      }),
    };
  const pcDeal = dealFromReferral(referralInputOf(referral), mapping, { relatedReferrals: [] });
  const patchStatus = async (
    status: CoSellDeal['status'],
    substatus: CoSellDeal['substatus'],
    statusReason: string | null,
  ) => {
    const target = { ...pcDeal, status, substatus, statusReason };
    const changes = [
      { field: 'status' as const, before: pcDeal.status, after: status },
      { field: 'substatus' as const, before: pcDeal.substatus, after: substatus },
      ...(statusReason
        ? [{ field: 'statusReason' as const, before: pcDeal.statusReason, after: statusReason }]
        : []),
    ];
    const operations = referralPatchOps(changes, target, mapping);
    if (!operations.ok) throw new Error(operations.error.message);
    return deps.partnerCenter.patchReferral(referral.id, operations.value, referral.eTag);
  };

  if (lead.isConverted && lead.convertedOpportunityId) {
    const opportunityId = lead.convertedOpportunityId;
    if (input.dryRun) {
      return {
        converted: false,
        result: result(input, {
          ...ids,
          action: 'update',
          message: `Would link converted opportunity ${opportunityId} and accept the referral.`,
        }),
      };
    }
    if (pcDeal.status === 'New') await patchStatus('Active', 'Accepted', null);
    const referralIdField = mapping.fields.referralId.salesforceField ?? 'Partner_Center_Referral_Id__c';
    await deps.salesforce.updateOpportunity(opportunityId, {
      [referralIdField]: referral.id,
      [mapping.opportunity.syncFlagField]: true,
    });
    const read = await deps.salesforce.readDeal(opportunityId);
    await saveLink(
      deps,
      link,
      {
        opportunityId,
        salesforceObject: 'opportunity',
        // Partner Center holds the deal's details: the merge that follows fills the new opportunity from it.
        base: read
          ? { ...dealFromSalesforce(read.snapshot, mapping), status: 'Active', substatus: 'Accepted' }
          : null,
        sfSystemModstamp: read?.systemModstamp ?? null,
        state: 'synced',
        lastError: null,
      },
      {
        trigger: input.trigger,
        direction: 'both',
        outcome: 'ok',
        changes: [
          {
            field: 'status',
            side: 'partnerCenter',
            before: `${pcDeal.status}/${pcDeal.substatus}`,
            after: 'Active/Accepted',
          },
        ],
        message: `Lead ${lead.leadId} was converted: linked opportunity ${opportunityId} and accepted the referral.`,
      },
    );
    return {
      converted: true,
      result: result(input, { ...ids, opportunityId, action: 'update', message: 'Lead converted.' }),
    };
  }
  if (lead.status?.toLowerCase().startsWith('closed') && pcDeal.status === 'New') {
    const reason = `Lead closed in Salesforce (${lead.status})`;
    if (!input.dryRun) {
      await patchStatus('Closed', 'Declined', reason);
      await saveLink(
        deps,
        link,
        { state: 'synced', lastError: null },
        {
          trigger: input.trigger,
          direction: 'toPartnerCenter',
          outcome: 'ok',
          changes: [
            {
              field: 'status',
              side: 'partnerCenter',
              before: `${pcDeal.status}/${pcDeal.substatus}`,
              after: 'Closed/Declined',
            },
          ],
          message: `Declined Microsoft lead ${referral.id}: ${reason}.`,
        },
      );
    }
    return {
      converted: false,
      result: result(input, { ...ids, action: 'update', message: `Declined the Microsoft lead: ${reason}.` }),
    };
  }
  return {
    converted: false,
    result: result(input, { ...ids, action: 'noop', message: 'Lead not converted yet: nothing to sync.' }),
  };
}

/** Title of the note that shows Microsoft's own notes (inviteContext.notes) on the opportunity. */
export const MICROSOFT_NOTE_TITLE = 'Note from Microsoft';

/**
 * Notes that live in ContentNotes rather than fields: the deal notes when the mapping keeps them in a note,
 * and Microsoft's invitation notes, shown on the opportunity whenever they are new or changed.
 */
async function writeNotes(
  deps: DealSyncDeps,
  opportunityId: string,
  deal: CoSellDeal,
  base: CoSellDeal | null,
  changedFields: readonly string[],
): Promise<void> {
  const { mapping } = deps;
  const wantsDealNote =
    mapping.notes.target === 'contentNote' && changedFields.includes('notes') && deal.notes;
  const wantsInviteNote = deal.inviteNotes && deal.inviteNotes !== base?.inviteNotes;
  if (!wantsDealNote && !wantsInviteNote) return;
  if (!(await deps.salesforce.notesAvailable())) return;
  if (wantsDealNote && deal.notes)
    await deps.salesforce.writeNote(opportunityId, mapping.notes.noteTitle, deal.notes);
  if (wantsInviteNote && deal.inviteNotes)
    await deps.salesforce.writeNote(opportunityId, MICROSOFT_NOTE_TITLE, deal.inviteNotes);
}
