import { expect, it } from 'vitest';
import { halvingsToOne, retryBatchSize, retryGroups } from './jobRunner.ts';

it('halves a batch per earlier attempt of its first job, down to one', () => {
  expect([1, 2, 3, 8, 9].map((attempt) => retryBatchSize(200, attempt))).toEqual([200, 100, 50, 1, 1]);
  // A batch job abandoned again and again is dead-lettered only after it has run alone: 8 more claims at 200.
  expect([1, 2, 200].map(halvingsToOne)).toEqual([0, 1, 8]);
  expect(retryBatchSize(200, 1 + halvingsToOne(200))).toBe(1);
});

it('splits a mixed batch so no job runs beside more jobs than its own attempt allows', () => {
  const jobs = [
    { id: 'a', attempt: 2 },
    { id: 'b', attempt: 2 },
    { id: 'c', attempt: 3 },
    { id: 'd', attempt: 2 },
    { id: 'e', attempt: 3 },
    { id: 'f', attempt: 3 },
    { id: 'g', attempt: 1 },
  ];
  const groups = retryGroups(jobs, 8);
  expect(groups.map((group) => group.map((job) => job.id))).toEqual([
    ['c', 'e'],
    ['f', 'a'],
    ['b', 'd', 'g'],
  ]);
  for (const group of groups)
    for (const job of group) expect(group.length).toBeLessThanOrEqual(retryBatchSize(8, job.attempt));
  expect(retryGroups([], 8)).toEqual([]);
});
