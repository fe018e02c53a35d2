/** Building blocks every deal plan shares: an empty plan, audit rows, and the error and skip outcomes. */

import type { DomainError } from '../../shared/result.ts';
import type { CoSellDeal, FieldChange } from '../coSellDeal.ts';
import type { AuditChange, AuditDraft, DealPlan, DealPlanInput, LinkUpdate } from '../dealPlan.ts';
import type { Mapping } from '../mapping/mappingSchema.ts';
import { auditLine, bookkeepingFields, currentSyncStatus } from '../salesforceBookkeeping.ts';

export const textOrNull = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

export function emptyPlan(partial: Partial<DealPlan> & Pick<DealPlan, 'action' | 'message'>): DealPlan {
  return {
    linkId: null,
    referralId: null,
    opportunityId: null,
    toSalesforce: [],
    toPartnerCenter: [],
    conflicts: [],
    partnerCenter: null,
    salesforce: null,
    link: null,
    audit: null,
    lead: null,
    merged: null,
    landed: [],
    ...partial,
  };
}

/** Converts domain field changes into audit rows for one side. */
export const auditChanges = (changes: readonly FieldChange[], side: AuditChange['side']): AuditChange[] =>
  changes.map((change) => ({ field: change.field, side, before: change.before, after: change.after }));

/** The audit rows of a new Salesforce record: every field from nothing to its value. */
export const creationChanges = (fields: Readonly<Record<string, unknown>>, prefix = ''): AuditChange[] =>
  Object.entries(fields).map(([field, after]) => ({
    field: `${prefix}${field}`,
    side: 'salesforce',
    before: null,
    after,
  }));

/** Whether the link already records this error (so saying it again would only repeat the audit). */
export const showsError = (link: DealPlanInput['link'], message: string): boolean =>
  link?.state === 'error' && link.lastError?.message === message;

/**
 * The link in the error state. The audit gets an entry only for an error the link does not already show, so a
 * deal that keeps failing the same way does not flood the history.
 */
export function errorOutcome(
  input: DealPlanInput,
  fields: Omit<LinkUpdate, 'state' | 'lastError'>,
  error: { code: string; message: string },
  auditMessage: string,
): Pick<DealPlan, 'link' | 'audit'> {
  return {
    link: { ...fields, state: 'error', lastError: error },
    audit: showsError(input.link, error.message)
      ? null
      : {
          trigger: input.trigger,
          direction: 'none',
          outcome: 'error',
          changes: [],
          message: auditMessage,
          error,
        },
  };
}

/** A skip that is worth recording: an audit entry, the link untouched. */
export function skippedPlan(
  input: DealPlanInput,
  ids: Pick<DealPlan, 'referralId' | 'opportunityId'>,
  message: string,
): DealPlan {
  const audit: AuditDraft = {
    trigger: input.trigger,
    direction: 'none',
    outcome: 'skipped',
    changes: [],
    message,
  };
  return emptyPlan({ action: 'skip', linkId: input.link?.id ?? null, ...ids, message, audit });
}

/**
 * A deal that cannot be sent as it is: the reasons go to the opportunity (✖, Sync Status Error, Audit) and the
 * link, and the sync succeeds — the seller fixes the opportunity, which triggers the next sync. No retry storm.
 */
export function invalidPlan(
  input: DealPlanInput,
  opportunity: NonNullable<DealPlanInput['opportunity']>,
  problems: readonly DomainError[],
  /** The link's next base, when the refusal settled something (conflicts seen); the base stays otherwise. */
  base?: CoSellDeal,
): DealPlan {
  const { mapping } = input;
  const message = problems.map((problem) => problem.message.replace(/[.;\s]+$/, '')).join('; ');
  const ids = {
    linkId: input.link?.id ?? null,
    referralId: input.referral?.id ?? null,
    opportunityId: opportunity.opportunityId,
  };
  const error = { code: problems[0]?.code ?? 'invalid', message };
  const alreadyShown =
    showsError(input.link, message) &&
    currentSyncStatus(mapping, opportunity.snapshot.opportunity) === 'Error';
  const auditMessage = `Not sent to Partner Center: ${message}`;
  return emptyPlan({
    ...ids,
    // Nothing new to say (our own ✖ write woke the poller): report it as quiet.
    action: alreadyShown ? 'noop' : 'invalid',
    message,
    salesforce: alreadyShown
      ? null
      : {
          account: null,
          opportunity: {
            op: 'update',
            opportunityId: opportunity.opportunityId,
            fields: markFields(mapping, opportunity.snapshot.opportunity, false, auditMessage, input.now),
          },
          accountId: null,
          children: null,
          notes: [],
        },
    ...errorOutcome(
      input,
      { referralId: ids.referralId, opportunityId: ids.opportunityId, ...(base ? { base } : {}) },
      error,
      auditMessage,
    ),
  });
}

/** The bookkeeping fields that show a sync's result on the opportunity (status, audit line, name mark). */
export function markFields(
  mapping: Mapping,
  opportunity: Readonly<Record<string, unknown>> | null,
  ok: boolean,
  message: string,
  now: Date,
  changes: readonly AuditChange[] = [],
  name?: string | null,
): Record<string, unknown> {
  const currentName =
    name !== undefined ? name : textOrNull(opportunity?.[mapping.fields.name.salesforceField ?? 'Name']);
  return bookkeepingFields(
    mapping,
    opportunity,
    ok ? 'Synced' : 'Error',
    auditLine(now, ok, message, changes),
    currentName,
  );
}
