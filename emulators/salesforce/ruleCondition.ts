/** Evaluates a validation rule's declarative condition against a record being saved. */
import type { FieldValue, SfRecord } from './objectSchema.ts';
import type { RuleCondition } from './orgRealism.ts';

function fieldValue(record: SfRecord, name: string): FieldValue {
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? null : (record[key] ?? null);
}

const isBlank = (value: FieldValue): boolean => value === null || value === '';

function same(left: FieldValue, right: unknown): boolean {
  if (typeof left === 'string' && typeof right === 'string')
    return left.toLowerCase() === right.toLowerCase();
  return left === right;
}

function compare(left: FieldValue, right: unknown): number | null {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left === 'string' && typeof right === 'string') return left < right ? -1 : left > right ? 1 : 0;
  return null;
}

/**
 * True when the rule should block the save. `previous` is the stored record on update (null on create);
 * dates compare as `YYYY-MM-DD` text, so `{"field":"CloseDate","op":"lessThan","value":"2026-01-01"}` works.
 */
export function conditionHolds(
  condition: RuleCondition,
  record: SfRecord,
  previous: SfRecord | null,
): boolean {
  if ('all' in condition) return condition.all.every((part) => conditionHolds(part, record, previous));
  if ('any' in condition) return condition.any.some((part) => conditionHolds(part, record, previous));
  if ('not' in condition) return !conditionHolds(condition.not, record, previous);
  const value = fieldValue(record, condition.field);
  const wanted = condition.value;
  switch (condition.op) {
    case 'blank':
      return isBlank(value);
    case 'notBlank':
      return !isBlank(value);
    case 'changed':
      return previous !== null && !same(value, fieldValue(previous, condition.field));
    case 'equals':
      return same(value, wanted ?? null);
    case 'notEquals':
      return !same(value, wanted ?? null);
    case 'in':
      return Array.isArray(wanted) && wanted.some((candidate) => same(value, candidate));
    case 'notIn':
      return Array.isArray(wanted) && !wanted.some((candidate) => same(value, candidate));
    case 'lessThan': {
      const order = compare(value, wanted);
      return order !== null && order < 0;
    }
    case 'greaterThan': {
      const order = compare(value, wanted);
      return order !== null && order > 0;
    }
  }
}
