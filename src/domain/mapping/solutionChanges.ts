import type { DealSolution } from '../coSellDeal.ts';
import type { SalesforceRecord } from '../salesforceDealSnapshot.ts';
import { type ChildChanges, keyedDiff } from './keyedDiff.ts';
import type { Mapping } from './mappingSchema.ts';

/** Microsoft solution child-record fields (without the parent lookup, which the caller sets). */
export function solutionFields(solution: DealSolution, mapping: Mapping): Record<string, unknown> {
  const names = mapping.solutions;
  const out: Record<string, unknown> = { [names.idField]: solution.id, [names.nameField]: solution.name };
  if (names.publisherField !== null) out[names.publisherField] = solution.publisher;
  return out;
}

/** Desired solutions vs the opportunity's solution records, matched by solution id. */
export function solutionChanges(
  desired: readonly DealSolution[],
  existing: readonly SalesforceRecord[],
  mapping: Mapping,
): ChildChanges<DealSolution, SalesforceRecord> {
  const idField = mapping.solutions.idField;
  return keyedDiff(desired, existing, {
    desiredKey: (solution) => solution.id,
    existingKey: (record) => {
      const id = record[idField];
      return typeof id === 'string' && id.trim() !== '' ? id.trim() : null;
    },
    fieldsOf: (solution) => solutionFields(solution, mapping),
    existingValue: (record, name) => record[name],
  });
}
