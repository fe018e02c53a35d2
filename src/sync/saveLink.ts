/** Recording a sync's outcome: the link and its audit entry, in one transaction. */
import type { AuditOutcome, FieldChange, LinkRow, LinkState } from '../store/store.ts';
import type { DealSyncDeps, DealSyncInput, DealSyncResult } from './dealSyncContext.ts';
import { syncResult } from './syncResult.ts';

export interface AuditDraft {
  trigger: string;
  direction: 'toSalesforce' | 'toPartnerCenter' | 'both' | 'none';
  outcome: AuditOutcome;
  changes: FieldChange[];
  message: string;
  error?: { code: string; message: string } | null;
}

export interface LinkFields {
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
export async function saveLink(
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

/** Whether the link already records this error (so saying it again would only repeat the audit). */
export function showsError(link: LinkRow | null, message: string): boolean {
  return link?.state === 'error' && link.lastError?.message === message;
}

/**
 * Puts the link in the error state. The audit gets an entry only for an error the link does not already show,
 * so a deal that keeps failing the same way does not flood the history.
 */
export async function saveLinkError(
  deps: DealSyncDeps,
  existing: LinkRow | null,
  fields: Omit<LinkFields, 'state' | 'lastError'>,
  failure: { trigger: string; error: { code: string; message: string }; auditMessage: string },
): Promise<LinkRow> {
  const { trigger, error, auditMessage } = failure;
  return saveLink(
    deps,
    existing,
    { ...fields, state: 'error', lastError: error },
    showsError(existing, error.message)
      ? null
      : { trigger, direction: 'none', outcome: 'error', changes: [], message: auditMessage, error },
  );
}

export async function skipped(
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
  return syncResult(input, {
    action: 'skip',
    linkId: ids.linkId,
    referralId: ids.referralId ?? null,
    opportunityId: ids.opportunityId ?? null,
    message,
  });
}
