/**
 * Finds records by a field's value without scanning the table: one map per (object, field) asked about, from
 * the value (lower-cased) to record ids, built on first use and kept up to date by every write that goes
 * through the org. Unique-field checks and external-id upserts use it, so a collection of 200 upserts into a
 * table of ten thousand records costs 200 lookups, not two million comparisons.
 */
import type { SfRecord } from './objectSchema.ts';

interface Index {
  /** The table the index was built from (a reset or reload replaces it, and the index with it). */
  table: Record<string, SfRecord>;
  field: string;
  idsByValue: Map<string, Set<string>>;
}

const keyOf = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value).toLowerCase();

export class FieldValueIndex {
  private readonly indexes = new Map<string, Index[]>();

  /** Records (deleted ones too) whose field equals `value`, ignoring case; the caller checks case if it matters. */
  find(objectName: string, table: Record<string, SfRecord>, field: string, value: string): SfRecord[] {
    const index = this.indexFor(objectName, table, field);
    const wanted = value.toLowerCase();
    const ids = index.idsByValue.get(wanted);
    if (!ids) return [];
    const found: SfRecord[] = [];
    for (const id of ids) {
      const record = table[id];
      if (record && keyOf(record[field]) === wanted) found.push(record);
    }
    return found;
  }

  /** A record was stored (inserted or replaced) in `table`. */
  stored(
    objectName: string,
    table: Record<string, SfRecord>,
    previous: SfRecord | undefined,
    record: SfRecord,
  ): void {
    const id = String(record['Id']);
    for (const index of this.indexes.get(objectName) ?? []) {
      if (index.table !== table) continue;
      const before = previous ? keyOf(previous[index.field]) : null;
      const after = keyOf(record[index.field]);
      if (before === after) continue;
      if (before !== null) index.idsByValue.get(before)?.delete(id);
      if (after !== null) add(index, after, id);
    }
  }

  /** Forget every index (after a rollback, a reset or a reload: they are rebuilt when next asked). */
  clear(): void {
    this.indexes.clear();
  }

  private indexFor(objectName: string, table: Record<string, SfRecord>, field: string): Index {
    const indexes = this.indexes.get(objectName) ?? [];
    const existing = indexes.find((index) => index.field === field && index.table === table);
    if (existing) return existing;
    const index: Index = { table, field, idsByValue: new Map() };
    for (const [id, record] of Object.entries(table)) {
      const value = keyOf(record[field]);
      if (value !== null) add(index, value, id);
    }
    this.indexes.set(objectName, [...indexes.filter((other) => other.field !== field), index]);
    return index;
  }
}

function add(index: Index, value: string, id: string): void {
  const ids = index.idsByValue.get(value);
  if (ids) ids.add(id);
  else index.idsByValue.set(value, new Set([id]));
}
