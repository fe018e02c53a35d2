import { describe, expect, it } from 'vitest';
import { sampleDeal } from '../../../test/support/sampleDeal.ts';
import { applyTransforms, TRANSFORM_LIMITS } from './applyTransforms.ts';
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

  describe('limits: a runaway transform fails with a clear error instead of holding the worker', () => {
    const limits = { ...TRANSFORM_LIMITS, timeoutMs: 50 };
    const run = async (expression: string) => {
      const mapping = mergeWithDefaults({
        transforms: { salesforce: { Runaway__c: expression, Fine__c: 'deal.name' } },
      });
      if (!mapping.ok) throw new Error('mapping');
      return applyTransforms(
        { target: 'salesforce', deal: sampleDeal(), opportunity: {} },
        mapping.value,
        limits,
      );
    };

    it.each([
      [
        'an endless tail-recursive loop',
        '($f := function($n) { $f($n + 1) }; $f(0))',
        /ran longer than 50 ms/,
      ],
      [
        'recursion that never stops',
        '($f := function($n) { 1 + $f($n + 1) }; $f(0))',
        /nested deeper than 400 levels/,
      ],
      [
        'a huge sequence',
        '$count($map([1..5000000], function($v) { $v }))',
        /sequence longer than 100000 items/,
      ],
    ])('%s', async (_what, expression, message) => {
      const result = await run(expression);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error).toHaveLength(1);
      expect(result.error[0]).toMatchObject({
        code: 'transform_failed',
        path: 'transforms.salesforce.Runaway__c',
      });
      expect(result.error[0]?.message).toMatch(message);
      expect(result.error[0]?.message).toMatch(/Fix the expression in the mapping file/);
    });

    it('lets a deep but finite expression through', async () => {
      const result = await run('($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(50))');
      expect(result).toEqual({ ok: true, value: { Runaway__c: 50, Fine__c: sampleDeal().name } });
    });
  });
});
