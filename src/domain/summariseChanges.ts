import type { DealField, FieldChange } from './coSellDeal.ts';

/** One sync as it should appear in the opportunity's Audit field. */
export interface AuditSummaryEntry {
  /** ISO-8601 instant of the sync. */
  at: string;
  direction: 'toSalesforce' | 'toPartnerCenter';
  changes: readonly FieldChange[];
  /** A failure to show instead of (or after) the changes, e.g. a validation message. */
  error?: string | null;
}

/** Long Text Area fields hold at most 32,768 characters; the default cap stays under it. */
export const auditTextMaxChars = 32_000;
const maxValueChars = 60;

const labels: Partial<Record<DealField, string>> = {
  dealValue: 'deal value',
  closingDate: 'close date',
  statusReason: 'status reason',
  assistanceRequestCode: 'help requested',
  shareWithMicrosoftSellers: 'shared with Microsoft',
  referralId: 'referral id',
  referralLink: 'referral link',
  microsoftCrmId: 'Microsoft CRM id',
  externalReferenceId: 'CRM id',
  customerContacts: 'contacts',
  partnerTeam: 'team',
};

/** A short one-line rendering of a value. */
function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? '' : 's'}`;
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > maxValueChars ? `${oneLine.slice(0, maxValueChars - 1)}…` : oneLine;
}

/** `2026-11-25 21:04Z` from an ISO instant. */
const minuteOf = (at: string): string => `${at.slice(0, 10)} ${at.slice(11, 16)}Z`;

/**
 * Audit text for the opportunity, newest first: one short line per sync with its direction and the changed fields
 * (`2026-11-25 21:04Z PC→SF: deal value 100 → 200; close date …`), errors marked with ✖. `existing` (the current
 * Audit field text) is kept below the new lines; the result is cut at whole lines to `maxChars`.
 */
export function summariseChanges(
  entries: readonly AuditSummaryEntry[],
  options: { existing?: string | null; maxChars?: number } = {},
): string {
  const maxChars = options.maxChars ?? auditTextMaxChars;
  const newestFirst = [...entries].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const lines = newestFirst.map((entry) => {
    const arrow = entry.direction === 'toSalesforce' ? 'PC→SF' : 'SF→PC';
    const parts = entry.changes.map(
      (change) => `${labels[change.field] ?? change.field} ${show(change.before)} → ${show(change.after)}`,
    );
    const error = entry.error ? ` ✖ ${entry.error.replace(/\s+/g, ' ')}` : '';
    const body = parts.length > 0 ? parts.join('; ') : 'no changes';
    return `${minuteOf(entry.at)} ${arrow}: ${body}${error}`;
  });
  const all = [...lines, ...(options.existing ? options.existing.split('\n') : [])];
  const kept: string[] = [];
  let length = 0;
  for (const line of all) {
    const cost = line.length + (kept.length > 0 ? 1 : 0);
    if (length + cost > maxChars) break;
    kept.push(line);
    length += cost;
  }
  return kept.join('\n');
}
