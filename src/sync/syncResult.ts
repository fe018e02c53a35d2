/** Building blocks of a deal sync's result and audit rows. */
import type { FieldChange } from '../store/store.ts';
import type { DealSyncInput, DealSyncResult } from './dealSyncContext.ts';

export const syncResult = (
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

/** The audit rows of a new Salesforce record: every field from nothing to its value. */
export const creationChanges = (fields: Record<string, unknown>, prefix = ''): FieldChange[] =>
  Object.entries(fields).map(([field, after]) => ({
    field: `${prefix}${field}`,
    side: 'salesforce',
    before: null,
    after,
  }));

export const stringOrNull = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;
