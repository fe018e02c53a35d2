/**
 * Pure cursor arithmetic for SystemModstamp polling. SOQL datetimes have whole-second precision and a
 * record's SystemModstamp can become visible after later ones have been read (long transactions), so each
 * poll re-reads an overlap window before the cursor and drops rows it has already reported there. The cursor
 * also never passes Salesforce's `latestDateCovered` (getUpdated): while a long-running transaction is open,
 * that is its start, and the rows it commits later carry stamps from then on — so the next poll reads them.
 */

export interface ChangeCursor {
  /** The newest SystemModstamp reported so far (ISO-8601, UTC); null before the first change. */
  at: string | null;
  /** Keys of rows already reported whose SystemModstamp lies within the overlap window before `at`. */
  seen: string[];
}

export interface ObservedRow {
  id: string;
  /** ISO-8601 UTC. */
  systemModstamp: string;
  /** Optional digest of the row's fields: two different states with the same second-precision stamp are both reported. */
  fingerprint?: string;
}

export const emptyChangeCursor: ChangeCursor = Object.freeze({ at: null, seen: [] }) as ChangeCursor;

export function rowKey(row: ObservedRow): string {
  return `${row.id}|${new Date(row.systemModstamp).getTime()}|${row.fingerprint ?? ''}`;
}

/** The lower bound to query from (`SystemModstamp >= since`): the cursor minus the overlap window. */
export function querySince(cursor: ChangeCursor, overlapMs: number, initialSince: Date): Date {
  if (cursor.at === null) return initialSince;
  return new Date(new Date(cursor.at).getTime() - overlapMs);
}

/**
 * Splits the rows of one poll into those not reported before (in query order, each key once) and the cursor
 * to store once they have been handed on.
 */
export function advanceCursor(
  cursor: ChangeCursor,
  rows: readonly ObservedRow[],
  overlapMs: number,
  /** Salesforce's latestDateCovered for this poll (ms): the cursor stops there, however new the rows read. */
  coveredUntilMs?: number,
): { fresh: ObservedRow[]; next: ChangeCursor } {
  const known = new Set(cursor.seen);
  const fresh: ObservedRow[] = [];
  let atMs = cursor.at === null ? Number.NEGATIVE_INFINITY : new Date(cursor.at).getTime();
  const stampOf = new Map<string, number>();
  for (const key of cursor.seen) stampOf.set(key, Number(key.split('|')[1]));
  for (const row of rows) {
    const key = rowKey(row);
    const stampMs = new Date(row.systemModstamp).getTime();
    if (Number.isNaN(stampMs))
      throw new Error(`Row ${row.id} has no valid SystemModstamp: ${row.systemModstamp}`);
    if (!known.has(key)) {
      known.add(key);
      fresh.push(row);
    }
    stampOf.set(key, stampMs);
    if (stampMs > atMs) atMs = stampMs;
  }
  if (atMs === Number.NEGATIVE_INFINITY) return { fresh, next: { at: null, seen: [] } };
  if (coveredUntilMs !== undefined && coveredUntilMs < atMs) atMs = coveredUntilMs;
  // Keys of rows newer than the cursor stay too: those rows are read again until the cursor passes them.
  const windowStartMs = atMs - overlapMs;
  const seen = [...known]
    .filter((key) => (stampOf.get(key) ?? Number.NEGATIVE_INFINITY) >= windowStartMs)
    .sort();
  return { fresh, next: { at: new Date(atMs).toISOString(), seen } };
}

export function serializeChangeCursor(cursor: ChangeCursor): string {
  return JSON.stringify(cursor);
}

/** Reads a stored cursor; a bare ISO timestamp (an older or hand-set value) is accepted too. */
export function parseChangeCursor(value: string | null): ChangeCursor {
  if (value === null || value.trim() === '') return emptyChangeCursor;
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) {
    const at = new Date(trimmed);
    if (Number.isNaN(at.getTime()))
      throw new Error(`Stored Salesforce poll cursor is not a date: ${trimmed}`);
    return { at: at.toISOString(), seen: [] };
  }
  const parsed = JSON.parse(trimmed) as Partial<ChangeCursor>;
  return {
    at: typeof parsed.at === 'string' ? parsed.at : null,
    seen: Array.isArray(parsed.seen)
      ? parsed.seen.filter((key): key is string => typeof key === 'string')
      : [],
  };
}
