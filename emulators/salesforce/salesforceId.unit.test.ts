import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idSuffix, makeId, normalizeId } from './salesforceId.ts';

describe('salesforce ids', () => {
  it('computes the case-checksum suffix from upper-case positions per 5-char chunk', () => {
    // 00D5g → D at position 2 → 4 → E; 00000 → 0 → A; 4XyZA → positions 1, 3, 4 → 26 → 0
    expect(idSuffix('00D5g000004XyZA')).toBe('EA0');
    expect(normalizeId('00D5g000004XyZA')).toBe('00D5g000004XyZAEA0');
  });

  it('accepts 18-char ids in any suffix case and rejects malformed ones', () => {
    expect(normalizeId('00D5g000004XyZAea0')).toBe('00D5g000004XyZAEA0');
    expect(normalizeId('00D5g000004XyZAAAA')).toBeNull();
    expect(normalizeId('not-an-id')).toBeNull();
  });

  it('makes distinct, valid ids with the key prefix', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        (left, right) => {
          const a = makeId('006', left);
          expect(a.startsWith('006')).toBe(true);
          expect(normalizeId(a)).toBe(a);
          expect(makeId('006', right) === a).toBe(left === right);
        },
      ),
    );
  });
});
