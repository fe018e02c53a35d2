import { describe, expect, it } from 'vitest';
import { formatFieldValue } from './formatFieldValue.ts';

describe('formatFieldValue', () => {
  it('shows a missing value as ∅, objects as JSON and the rest as text', () => {
    expect(formatFieldValue(null)).toBe('∅');
    expect(formatFieldValue(undefined)).toBe('∅');
    expect(formatFieldValue({ amount: 5 })).toBe('{"amount":5}');
    expect(formatFieldValue(['a', 'b'])).toBe('["a","b"]');
    expect(formatFieldValue(0)).toBe('0');
    expect(formatFieldValue(false)).toBe('false');
    expect(formatFieldValue('')).toBe('');
  });
});
