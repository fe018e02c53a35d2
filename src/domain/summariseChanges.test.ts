import { describe, expect, it } from 'vitest';
import { summariseChanges } from './summariseChanges.ts';

describe('summariseChanges', () => {
  it('writes one short line per sync, newest first, above the existing audit text', () => {
    const text = summariseChanges(
      [
        {
          at: '2026-11-25T09:00:00.000Z',
          direction: 'toPartnerCenter',
          changes: [{ field: 'dealValue', before: 100, after: 200 }],
        },
        {
          at: '2026-11-25T10:30:00.000Z',
          direction: 'toSalesforce',
          changes: [
            { field: 'status', before: 'New', after: 'Active' },
            { field: 'substatus', before: 'Pending', after: 'Accepted' },
            { field: 'solutions', before: [], after: [{ id: 'S1', name: null, publisher: null }] },
          ],
        },
      ],
      { existing: '2026-11-24 08:00Z SF→PC: name (empty) → Contoso' },
    );
    expect(text.split('\n')).toEqual([
      '2026-11-25 10:30Z PC→SF: status New → Active; substatus Pending → Accepted; solutions 0 items → 1 item',
      '2026-11-25 09:00Z SF→PC: deal value 100 → 200',
      '2026-11-24 08:00Z SF→PC: name (empty) → Contoso',
    ]);
  });

  it('shows errors and shortens long values', () => {
    const text = summariseChanges([
      {
        at: '2026-11-25T09:00:00Z',
        direction: 'toPartnerCenter',
        changes: [{ field: 'notes', before: null, after: 'x'.repeat(200) }],
        error: 'Add at least one Microsoft solution\nbefore sharing',
      },
    ]);
    expect(text).toBe(
      `2026-11-25 09:00Z SF→PC: notes (empty) → ${'x'.repeat(59)}… ✖ Add at least one Microsoft solution before sharing`,
    );
  });

  it('drops the oldest whole lines to stay under the size cap', () => {
    const existing = Array.from({ length: 1000 }, (_, index) => `old line ${index} ${'y'.repeat(40)}`).join(
      '\n',
    );
    const text = summariseChanges(
      [
        {
          at: '2026-11-25T09:00:00Z',
          direction: 'toSalesforce',
          changes: [{ field: 'name', before: 'a', after: 'b' }],
        },
      ],
      { existing, maxChars: 2000 },
    );
    expect(text.length).toBeLessThanOrEqual(2000);
    expect(text.startsWith('2026-11-25 09:00Z PC→SF: name a → b\nold line 0 ')).toBe(true);
    expect(
      text.split('\n').every((line) => line.startsWith('2026') || /^old line \d+ y{40}$/.test(line)),
    ).toBe(true);
  });
});
