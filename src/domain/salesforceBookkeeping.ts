/**
 * The connector's own fields on the opportunity: Sync Status (Synced/Pending/Error), the Audit log (newest
 * first) and the optional ✔/✖ mark on the name. They are written together with the business fields when
 * Salesforce is written anyway, or on their own when the sync state changes — never on every sync, so
 * an edit in Partner Center causes one write in Salesforce and an edit in Salesforce none back.
 */

import type { AuditChange } from './dealPlan.ts';
import type { Mapping } from './mapping/mappingSchema.ts';
import { nameWithStatusMark } from './nameWithStatusMark.ts';
import type { SalesforceRecord } from './salesforceDealSnapshot.ts';

export type SyncStatus = 'Synced' | 'Pending' | 'Error';

/** Long Text Area fields hold 32,768 characters; keep well inside. */
const AUDIT_MAX_CHARS = 30_000;
const AUDIT_MAX_LINES = 50;

const show = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return '∅';
  if (typeof value === 'object') {
    if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? '' : 's'}`;
    return 'details';
  }
  const text = String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

/** One audit line, e.g. `2026-11-25 21:10 UTC ✔ To Partner Center: dealValue 50000 → 60000`. */
export function auditLine(
  at: Date,
  ok: boolean,
  message: string,
  changes: readonly AuditChange[] = [],
): string {
  const stamp = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const detail = changes.length
    ? `: ${changes.map((change) => `${change.field} ${show(change.before)} → ${show(change.after)}`).join('; ')}`
    : '';
  return `${stamp} ${ok ? '✔' : '✖'} ${message}${detail}`;
}

/** The audit text with a new line on top, trimmed to the field's size. */
export function prependAudit(existing: unknown, line: string): string {
  const lines = [line, ...(typeof existing === 'string' && existing ? existing.split('\n') : [])].slice(
    0,
    AUDIT_MAX_LINES,
  );
  let text = lines.join('\n');
  while (text.length > AUDIT_MAX_CHARS && lines.length > 1) {
    lines.pop();
    text = lines.join('\n');
  }
  return text.slice(0, AUDIT_MAX_CHARS);
}

/** The bookkeeping fields to write: sync status, audit (with the new line), and the name mark. */
export function bookkeepingFields(
  mapping: Mapping,
  opportunity: SalesforceRecord | null,
  status: SyncStatus,
  line: string,
  name: string | null,
): SalesforceRecord {
  const { opportunity: fields } = mapping;
  const out: Record<string, unknown> = {};
  if (fields.syncStatusField) out[fields.syncStatusField] = status;
  if (fields.auditField) out[fields.auditField] = prependAudit(opportunity?.[fields.auditField], line);
  const nameField = mapping.fields.name.salesforceField;
  if (mapping.nameStatusMark && nameField && name !== null) {
    out[nameField] = nameWithStatusMark(name, status !== 'Error', mapping);
  }
  return out;
}

/** The sync status currently on the opportunity. */
export function currentSyncStatus(mapping: Mapping, opportunity: SalesforceRecord | null): SyncStatus | null {
  const field = mapping.opportunity.syncStatusField;
  const value = field ? opportunity?.[field] : null;
  return value === 'Synced' || value === 'Pending' || value === 'Error' ? value : null;
}
