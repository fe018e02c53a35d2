import type { SqlValue } from './sqlExecutor.ts';

/** A condition with one `?` and its value; conditions whose value is undefined are left out. */
export type SqlCondition = readonly [sql: string, value: SqlValue | undefined];

/** Builds `WHERE a = ? AND b = ?` (or nothing) and its parameters from optional filters. */
export function sqlWhere(conditions: readonly SqlCondition[]): { where: string; params: SqlValue[] } {
  const used = conditions.filter(
    (condition): condition is readonly [string, SqlValue] => condition[1] !== undefined,
  );
  return {
    where: used.length === 0 ? '' : `WHERE ${used.map(([sql]) => sql).join(' AND ')}`,
    params: used.map(([, value]) => value),
  };
}

/** The value of an optional id filter: an id the store never assigned matches nothing (-1). */
export function idFilter(id: string | undefined, parse: (id: string) => number | null): number | undefined {
  return id === undefined ? undefined : (parse(id) ?? -1);
}
