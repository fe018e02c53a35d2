import { describe, expect, it } from 'vitest';
import { sampleDeal } from '../../../test/support/sampleDeal.ts';
import { applyTransforms } from './applyTransforms.ts';
import { defaultMapping } from './defaultMapping.ts';
import { mergeWithDefaults } from './mergeWithDefaults.ts';

describe('applyTransforms', () => {
  it('evaluates Salesforce field expressions over the deal and the opportunity', async () => {
    const mapping = mergeWithDefaults({
      transforms: {
        salesforce: {
          Region__c: "deal.customer.country = 'US' ? 'Americas' : 'Rest of world'",
          Solution_Count__c: '$count(deal.solutions)',
          Old_Stage__c: 'opportunity.StageName',
          Nothing__c: 'deal.missing',
        },
      },
    });
    if (!mapping.ok) throw new Error('mapping');
    const result = await applyTransforms(
      { target: 'salesforce', deal: sampleDeal(), opportunity: { StageName: 'Qualification' } },
      mapping.value,
    );
    expect(result).toEqual({
      ok: true,
      value: { Region__c: 'Americas', Solution_Count__c: 1, Old_Stage__c: 'Qualification' },
    });
  });

  it('reports every failing expression with its key', async () => {
    const mapping = mergeWithDefaults({
      transforms: {
        partnerCenter: { '/details/notes': '$uppercase(deal.notes)', '/name': '$number("abc") + 1' },
      },
    });
    if (!mapping.ok) throw new Error('mapping');
    const result = await applyTransforms(
      { target: 'partnerCenter', deal: sampleDeal(), referral: {} },
      mapping.value,
    );
    expect(result).toMatchObject({
      ok: false,
      error: [{ code: 'transform_failed', path: 'transforms.partnerCenter./name' }],
    });
  });

  it('returns nothing for the default mapping', async () => {
    const result = await applyTransforms(
      { target: 'partnerCenter', deal: sampleDeal(), referral: {} },
      defaultMapping,
    );
    expect(result).toEqual({ ok: true, value: {} });
  });
});
