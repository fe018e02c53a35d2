/** Aggregate SOQL (COUNT, COUNT_DISTINCT, MIN, MAX, SUM, AVG, optionally with GROUP BY) as AggregateResult rows. */
import type { FieldValue } from './objectSchema.ts';
import type { WireRecord } from './recordWire.ts';
import { SalesforceApiError } from './salesforceApiError.ts';

export const AGGREGATE_FUNCTIONS = ['COUNT', 'COUNT_DISTINCT', 'MIN', 'MAX', 'SUM', 'AVG'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

export function isAggregateFunction(name: string): name is AggregateFunction {
  return (AGGREGATE_FUNCTIONS as readonly string[]).includes(name);
}

/** One selected column of an aggregate query: a grouped field, or an aggregate over a field. */
export type AggregateColumn =
  | { kind: 'group'; name: string; value: (row: unknown) => FieldValue }
  | { kind: 'aggregate'; fn: AggregateFunction; alias: string; value: ((row: unknown) => FieldValue) | null };

function compute(fn: AggregateFunction, values: FieldValue[]): FieldValue {
  const present = values.filter((value) => value !== null);
  switch (fn) {
    case 'COUNT':
      return present.length;
    case 'COUNT_DISTINCT':
      return new Set(present.map((value) => (typeof value === 'string' ? value.toLowerCase() : value))).size;
    case 'SUM':
    case 'AVG': {
      const numbers = present.filter((value): value is number => typeof value === 'number');
      if (numbers.length === 0) return null;
      const sum = numbers.reduce((total, value) => total + value, 0);
      return fn === 'SUM' ? sum : sum / numbers.length;
    }
    default: {
      if (present.length === 0) return null;
      const sorted = [...present].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
      return (fn === 'MIN' ? sorted[0] : sorted[sorted.length - 1]) ?? null;
    }
  }
}

/** Groups rows by the grouped columns (one group of everything without GROUP BY) and computes each column. */
export function aggregateRows<Row>(rows: Row[], columns: AggregateColumn[], grouped: boolean): WireRecord[] {
  const groupColumns = columns.filter((column) => column.kind === 'group');
  if (!grouped && groupColumns.length > 0) {
    throw new SalesforceApiError(
      400,
      'MALFORMED_QUERY',
      'Field must be grouped or aggregated: add it to GROUP BY or remove it',
    );
  }
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = JSON.stringify(groupColumns.map((column) => column.value(row)));
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  if (!grouped && groups.size === 0) groups.set('[]', []);
  return [...groups.values()].map((members) => {
    const record: WireRecord = { attributes: { type: 'AggregateResult' } };
    let unnamed = 0;
    for (const column of columns) {
      if (column.kind === 'group') {
        const [first] = members;
        record[column.name] = first === undefined ? null : column.value(first);
        continue;
      }
      const name = column.alias || `expr${unnamed++}`;
      const getter = column.value;
      record[name] = getter
        ? compute(
            column.fn,
            members.map((member) => getter(member)),
          )
        : members.length;
    }
    return record;
  });
}
