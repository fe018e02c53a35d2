import { describe, expect, it } from 'vitest';
import { sampleDeal } from '../../../test/support/sampleDeal.ts';
import type { AuditChange } from '../dealPlan.ts';
import { landedChanges } from './landedChanges.ts';

const base = sampleDeal({ dealValue: 100, notes: 'old notes' });
const toSalesforce: AuditChange = { field: 'dealValue', side: 'salesforce', before: 100, after: 200 };
const toPartnerCenter: AuditChange = {
  field: 'notes',
  side: 'partnerCenter',
  before: 'old notes',
  after: 'new',
};
const pending = { startedAt: '2026-12-07T05:00:00.000Z', changes: [toSalesforce, toPartnerCenter] };

describe('landedChanges: which changes of an unrecorded write landed', () => {
  it('claims a change its side holds and the base does not', () => {
    const sides = {
      partnerCenter: sampleDeal({ dealValue: 200, notes: 'old notes' }),
      salesforce: sampleDeal({ dealValue: 200, notes: 'old notes' }),
    };
    expect(landedChanges(pending, base, sides)).toEqual([toSalesforce]);
  });

  it('claims nothing its side does not hold (never landed, or replaced since)', () => {
    const sides = {
      partnerCenter: sampleDeal({ dealValue: 200, notes: 'edited again' }),
      salesforce: sampleDeal({ dealValue: 150, notes: 'old notes' }),
    };
    expect(landedChanges(pending, base, sides)).toEqual([]);
  });

  it('claims nothing the base already records (the write was recorded), nor without a pending write', () => {
    const sides = {
      partnerCenter: sampleDeal({ dealValue: 200 }),
      salesforce: sampleDeal({ dealValue: 200 }),
    };
    expect(landedChanges(pending, sampleDeal({ dealValue: 200 }), sides)).toEqual([]);
    expect(landedChanges(null, base, sides)).toEqual([]);
  });
});
