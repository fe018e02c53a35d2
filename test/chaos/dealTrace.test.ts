import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEAL_TRACE_ENV, startDealTrace } from '../../src/sync/dealTrace.ts';
import { readDealTrace } from '../support/dealTraceOverlaps.ts';

describe('startDealTrace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-trace-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('appends a start line and an end line with the ids the job ended up knowing', () => {
    const file = join(dir, 'trace.jsonl');
    const span = startDealTrace({ connectionId: 'east', opportunityId: '006A' }, { [DEAL_TRACE_ENV]: file });
    expect(readDealTrace(file).map((line) => line.event)).toEqual(['start']);
    span.finish({ referralId: 'R1', opportunityId: null }, true);
    const [start, end] = readDealTrace(file);
    expect(start).toMatchObject({
      event: 'start',
      connectionId: 'east',
      referralId: null,
      opportunityId: '006A',
      pid: process.pid,
    });
    expect(end).toMatchObject({
      event: 'end',
      job: start?.job,
      connectionId: 'east',
      referralId: 'R1',
      opportunityId: '006A',
      ok: true,
    });
    expect(Date.parse(end?.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(start?.startedAt ?? ''));
  });

  it('writes nothing when COSELL_DEAL_TRACE is not set', () => {
    const file = join(dir, 'unset.jsonl');
    startDealTrace({ referralId: 'R2' }, {}).finish({ referralId: 'R2' }, false);
    expect(() => readFileSync(file)).toThrow();
  });
});
