import { describe, expect, it } from 'vitest';
import { pollDelayFor } from './pollDelayFor.ts';

describe('pollDelayFor (Salesforce API budget guard)', () => {
  it('polls at the interval while usage is under the budget or unknown', () => {
    expect(pollDelayFor(null, 0.8, 2000)).toBe(2000);
    expect(pollDelayFor({ used: 799, max: 1000 }, 0.8, 2000)).toBe(2000);
    expect(pollDelayFor({ used: 5, max: 0 }, 0.8, 2000)).toBe(2000);
  });

  it('slows down tenfold from the budget ratio on', () => {
    expect(pollDelayFor({ used: 800, max: 1000 }, 0.8, 2000)).toBe(20_000);
    expect(pollDelayFor({ used: 15_000, max: 15_000 }, 0.8, 30_000)).toBe(300_000);
  });
});
