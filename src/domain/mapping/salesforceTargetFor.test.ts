import { describe, expect, it } from 'vitest';
import { defaultMapping } from './defaultMapping.ts';
import { mergeWithDefaults } from './mergeWithDefaults.ts';
import { salesforceTargetFor } from './salesforceTargetFor.ts';

const withLeads = (handling: 'lead' | 'opportunity' | 'skip') => {
  const mapping = mergeWithDefaults({ leads: { handling } });
  if (!mapping.ok) throw new Error('mapping');
  return mapping.value;
};

describe('salesforceTargetFor', () => {
  it('sends co-sell referrals to opportunities whatever the lead handling', () => {
    expect(salesforceTargetFor({ category: 'coSell', status: 'New' }, withLeads('skip'))).toBe('opportunity');
  });

  it('routes pending leads per the mapping and accepted leads to opportunities', () => {
    expect(salesforceTargetFor({ category: 'lead', status: 'New' }, withLeads('lead'))).toBe('lead');
    expect(salesforceTargetFor({ category: 'marketplaceLead', status: 'New' }, withLeads('skip'))).toBe(
      'skip',
    );
    expect(salesforceTargetFor({ category: 'lead', status: 'Active' }, withLeads('lead'))).toBe(
      'opportunity',
    );
    expect(salesforceTargetFor({ category: 'lead', status: 'New' }, defaultMapping)).toBe('opportunity');
  });
});
