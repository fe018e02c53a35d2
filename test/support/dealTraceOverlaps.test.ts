import { describe, expect, it } from 'vitest';
import { type DealTraceLine, findDealOverlaps } from './dealTraceOverlaps.ts';

const at = (second: number) => new Date(Date.UTC(2026, 11, 6, 12, 0, second)).toISOString();

function job(
  name: string,
  pid: number,
  ids: { referralId?: string; opportunityId?: string },
  startSecond: number,
  endSecond: number | null,
  endIds = ids,
): DealTraceLine[] {
  const start: DealTraceLine = {
    event: 'start',
    job: name,
    referralId: ids.referralId ?? null,
    opportunityId: ids.opportunityId ?? null,
    startedAt: at(startSecond),
    pid,
  };
  if (endSecond === null) return [start];
  return [
    start,
    {
      ...start,
      event: 'end',
      referralId: endIds.referralId ?? null,
      opportunityId: endIds.opportunityId ?? null,
      finishedAt: at(endSecond),
      ok: true,
    },
  ];
}

describe('findDealOverlaps', () => {
  it('finds no overlap when the jobs of a deal follow each other', () => {
    const lines = [...job('a', 1, { referralId: 'R1' }, 0, 2), ...job('b', 1, { referralId: 'R1' }, 2, 3)];
    expect(findDealOverlaps(lines, new Map())).toEqual([]);
  });

  it('finds two jobs of one deal known by different ids (opportunity first, then its referral)', () => {
    const lines = [
      ...job('a', 1, { opportunityId: 'O1' }, 0, 5, { opportunityId: 'O1', referralId: 'R1' }),
      ...job('b', 1, { referralId: 'R1' }, 3, 6),
      ...job('c', 1, { referralId: 'R2' }, 3, 6),
    ];
    const overlaps = findDealOverlaps(lines, new Map());
    expect(overlaps).toHaveLength(1);
    expect(overlaps[0]?.deal).toEqual(['opportunity:O1', 'referral:R1']);
    expect([overlaps[0]?.first.job, overlaps[0]?.second.job]).toEqual(['a', 'b']);
  });

  it('keeps the deals of different connections apart when their systems hand out the same ids', () => {
    const inConnection = (connectionId: string, lines: DealTraceLine[]) =>
      lines.map((line) => ({ ...line, connectionId }));
    const lines = [
      ...inConnection('east', job('a', 1, { referralId: 'R1' }, 0, 5)),
      ...inConnection('west', job('b', 2, { referralId: 'R1' }, 1, 6)),
    ];
    expect(findDealOverlaps(lines, new Map())).toEqual([]);
    const same = [...lines, ...inConnection('west', job('c', 3, { referralId: 'R1' }, 2, 4))];
    expect(findDealOverlaps(same, new Map()).map((overlap) => overlap.deal)).toEqual([['west:referral:R1']]);
  });

  it('ends a job cut off by a kill when its process ended, and overlaps a job started before that', () => {
    const killedAt = Date.parse(at(4));
    const cut = job('a', 7, { referralId: 'R1' }, 0, null);
    expect(
      findDealOverlaps([...cut, ...job('b', 8, { referralId: 'R1' }, 5, 6)], new Map([[7, killedAt]])),
    ).toEqual([]);
    const early = findDealOverlaps(
      [...cut, ...job('b', 8, { referralId: 'R1' }, 3, 6)],
      new Map([[7, killedAt]]),
    );
    expect(early.map((overlap) => overlap.second.job)).toEqual(['b']);
  });

  it('treats a cut-off job whose process end is unknown as never ending', () => {
    const lines = [
      ...job('a', 7, { referralId: 'R1' }, 0, null),
      ...job('b', 8, { referralId: 'R1' }, 60, 61),
    ];
    expect(findDealOverlaps(lines, new Map())).toHaveLength(1);
  });
});
