/** A child-record update: the existing record, the desired item and only the fields that differ. */
export interface ChildUpdate<TDesired, TExisting> {
  existing: TExisting;
  desired: TDesired;
  fields: Record<string, unknown>;
}

/** What to do to the existing child records so they match the desired items. */
export interface ChildChanges<TDesired, TExisting> {
  /** Items to create, with the record fields to create them with. */
  create: { desired: TDesired; fields: Record<string, unknown> }[];
  update: ChildUpdate<TDesired, TExisting>[];
  delete: TExisting[];
}

export interface KeyedDiffSpec<TDesired, TExisting> {
  desiredKey: (item: TDesired) => string;
  /** Key of an existing record; null when it has none (such records are left alone). */
  existingKey: (record: TExisting) => string | null;
  /** The record fields for a desired item (API name → value). */
  fieldsOf: (item: TDesired) => Record<string, unknown>;
  /** Fields to create a record with; defaults to `fieldsOf` (which is also what updates compare). */
  createFieldsOf?: (item: TDesired) => Record<string, unknown>;
  /** The current value of a record field. */
  existingValue: (record: TExisting, apiName: string) => unknown;
}

const same = (a: unknown, b: unknown): boolean => (a ?? null) === (b ?? null);

/**
 * Diff desired items against existing records by key: missing → create, present with different field values →
 * update (only the differing fields), existing but not desired → delete. Duplicated existing keys: the extra
 * records are deleted.
 */
export function keyedDiff<TDesired, TExisting>(
  desired: readonly TDesired[],
  existing: readonly TExisting[],
  spec: KeyedDiffSpec<TDesired, TExisting>,
): ChildChanges<TDesired, TExisting> {
  const existingByKey = new Map<string, TExisting>();
  const changes: ChildChanges<TDesired, TExisting> = { create: [], update: [], delete: [] };
  for (const record of existing) {
    const key = spec.existingKey(record);
    if (key === null) continue;
    if (existingByKey.has(key)) changes.delete.push(record);
    else existingByKey.set(key, record);
  }
  const desiredKeys = new Set<string>();
  for (const item of desired) {
    const key = spec.desiredKey(item);
    desiredKeys.add(key);
    const record = existingByKey.get(key);
    if (record === undefined) {
      changes.create.push({ desired: item, fields: (spec.createFieldsOf ?? spec.fieldsOf)(item) });
      continue;
    }
    const fields = spec.fieldsOf(item);
    const differing = Object.fromEntries(
      Object.entries(fields).filter(([name, value]) => !same(spec.existingValue(record, name), value)),
    );
    if (Object.keys(differing).length > 0)
      changes.update.push({ existing: record, desired: item, fields: differing });
  }
  for (const [key, record] of existingByKey) {
    if (!desiredKeys.has(key)) changes.delete.push(record);
  }
  return changes;
}
