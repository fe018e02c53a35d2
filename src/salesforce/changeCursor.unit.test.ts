import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advanceCursor,
  emptyChangeCursor,
  type ObservedRow,
  parseChangeCursor,
  querySince,
  rowKey,
  serializeChangeCursor,
} from './changeCursor.ts';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, second)).toISOString();
const row = (id: string, second: number, fingerprint?: string): ObservedRow => ({
  id,
  systemModstamp: at(second),
  ...(fingerprint === undefined ? {} : { fingerprint }),
});

describe('advanceCursor', () => {
  it('reports every row of the first poll and moves the cursor to the newest stamp', () => {
    const { fresh, next } = advanceCursor(emptyChangeCursor, [row('a', 1), row('b', 3), row('c', 3)], 5000);
    expect(fresh.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(next.at).toBe(at(3));
    expect(next.seen).toContain(rowKey(row('a', 1)));
  });

  it('drops rows already reported when the overlap window is read again', () => {
    const first = advanceCursor(emptyChangeCursor, [row('a', 10), row('b', 10)], 5000);
    const second = advanceCursor(first.next, [row('a', 10), row('b', 10), row('c', 10), row('d', 11)], 5000);
    expect(second.fresh.map((r) => r.id)).toEqual(['c', 'd']);
    expect(second.next.at).toBe(at(11));
  });

  it('stops the cursor at latestDateCovered and keeps the rows after it known, so a late commit is read once', () => {
    const covered = new Date(at(20)).getTime();
    const first = advanceCursor(emptyChangeCursor, [row('a', 50), row('b', 55)], 5000, covered);
    expect(first.next.at).toBe(at(20));
    expect(querySince(first.next, 5000, new Date(0)).toISOString()).toBe(at(15));
    // The next poll reads from 15 s: the late row stamped 20 s is new, a and b are not reported again.
    const second = advanceCursor(first.next, [row('late', 20), row('a', 50), row('b', 55)], 5000);
    expect(second.fresh.map((r) => r.id)).toEqual(['late']);
    expect(second.next.at).toBe(at(55));
  });

  it('reports a row again when it changes later, or changes within the same second with another fingerprint', () => {
    const first = advanceCursor(emptyChangeCursor, [row('a', 10, 'v1')], 5000);
    const sameSecond = advanceCursor(first.next, [row('a', 10, 'v2')], 5000);
    expect(sameSecond.fresh).toHaveLength(1);
    const later = advanceCursor(sameSecond.next, [row('a', 12, 'v2')], 5000);
    expect(later.fresh).toHaveLength(1);
  });

  it('forgets keys that have left the overlap window', () => {
    const first = advanceCursor(emptyChangeCursor, [row('a', 1), row('b', 20)], 5000);
    expect(first.next.seen).toEqual([rowKey(row('b', 20))]);
  });

  it('keeps the cursor when a poll finds nothing', () => {
    const first = advanceCursor(emptyChangeCursor, [row('a', 7)], 5000);
    const empty = advanceCursor(first.next, [], 5000);
    expect(empty.next).toEqual(first.next);
    expect(advanceCursor(emptyChangeCursor, [], 5000).next).toEqual({ at: null, seen: [] });
  });

  it('queries from the cursor minus the overlap, or from the initial instant', () => {
    const initial = new Date(at(0));
    expect(querySince(emptyChangeCursor, 5000, initial)).toEqual(initial);
    expect(querySince({ at: at(30), seen: [] }, 5000, initial).toISOString()).toBe(at(25));
  });

  it('rejects rows without a valid stamp', () => {
    expect(() => advanceCursor(emptyChangeCursor, [{ id: 'x', systemModstamp: 'soon' }], 5000)).toThrow(/x/);
  });

  it('reports each change exactly once whatever the poll timing, when commits lag at most the overlap', () => {
    // Changes are stamped at `stamp` but become visible at `stamp + lag` (lag ≤ overlap), like a long transaction.
    const change = fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd'),
      stamp: fc.integer({ min: 0, max: 40 }),
      lag: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(
        fc.array(change, { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 12 }),
        (changes, pollTimes) => {
          const unique = new Map(changes.map((c) => [`${c.id}@${c.stamp}`, c]));
          const overlapMs = 5000;
          let cursor = emptyChangeCursor;
          const reported: string[] = [];
          for (const now of [...pollTimes.sort((x, y) => x - y), 1000]) {
            const since = querySince(cursor, overlapMs, new Date(at(0)));
            const visible = [...unique.values()]
              .filter((c) => c.stamp + c.lag <= now && new Date(at(c.stamp)) >= since)
              .sort((x, y) => x.stamp - y.stamp || x.id.localeCompare(y.id))
              .map((c) => row(c.id, c.stamp));
            const { fresh, next } = advanceCursor(cursor, visible, overlapMs);
            reported.push(...fresh.map((r) => `${r.id}@${new Date(r.systemModstamp).getUTCSeconds()}`));
            cursor = parseChangeCursor(serializeChangeCursor(next));
          }
          expect([...reported].sort()).toEqual([...unique.keys()].sort());
        },
      ),
    );
  });
});

describe('parseChangeCursor', () => {
  it('round-trips and accepts a bare timestamp', () => {
    const cursor = { at: at(5), seen: ['a|1|'] };
    expect(parseChangeCursor(serializeChangeCursor(cursor))).toEqual(cursor);
    expect(parseChangeCursor('2026-01-01T10:00:05Z')).toEqual({ at: at(5), seen: [] });
    expect(parseChangeCursor(null)).toEqual(emptyChangeCursor);
    expect(() => parseChangeCursor('yesterday')).toThrow(/not a date/);
  });
});
