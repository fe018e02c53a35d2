import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  currencyOrNull,
  dateOnly,
  enumOrNull,
  isTrue,
  numberOrNull,
  textOrNull,
  uniqueByKey,
} from './normalise.ts';

describe('normalise', () => {
  it('reads text, numbers and dates leniently', () => {
    expect(textOrNull('  x ')).toBe('x');
    expect(textOrNull('   ')).toBeNull();
    expect(textOrNull(12)).toBe('12');
    expect(numberOrNull('10000')).toBe(10000);
    expect(numberOrNull('ten')).toBeNull();
    expect(numberOrNull(Number.POSITIVE_INFINITY)).toBeNull();
    expect(dateOnly('2022-02-24T21:04:06.0372014Z')).toBe('2022-02-24');
    expect(dateOnly('2026-12-31')).toBe('2026-12-31');
    expect(dateOnly('31/12/2026')).toBeNull();
    expect(currencyOrNull(' eur ')).toBe('EUR');
    expect(currencyOrNull('EURO')).toBeNull();
  });

  it('matches enums case-insensitively and returns the canonical spelling', () => {
    expect(enumOrNull('shared', ['Independent', 'Shared'] as const)).toBe('Shared');
    expect(enumOrNull('Other', ['Independent', 'Shared'] as const)).toBeNull();
  });

  it('treats only true and yes as true', () => {
    expect([true, 'true', 'Yes', false, 'false', 1, null].map(isTrue)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('keeps the first item per key, drops keyless items and sorts by key', () => {
    const items = [
      { key: 'b', n: 1 },
      { key: null, n: 2 },
      { key: 'a', n: 3 },
      { key: 'b', n: 4 },
    ];
    expect(uniqueByKey(items, (item) => item.key)).toEqual([
      { key: 'a', n: 3 },
      { key: 'b', n: 1 },
    ]);
  });
});

describe('addDays', () => {
  it('adds calendar days across months, years and leap days', () => {
    expect(addDays('2026-12-30', 60)).toBe('2027-02-28');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-12-31', 1)).toBe('2028-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('property: agrees with the platform date arithmetic', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1990-01-01'), max: new Date('2090-12-31'), noInvalidDate: true }),
        fc.integer({ min: -400, max: 400 }),
        (date, days) => {
          const start = date.toISOString().slice(0, 10);
          const expected = new Date(Date.parse(start) + days * 86_400_000).toISOString().slice(0, 10);
          expect(addDays(start, days)).toBe(expected);
        },
      ),
    );
  });
});
