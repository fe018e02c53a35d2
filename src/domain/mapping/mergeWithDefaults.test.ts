import { describe, expect, it } from 'vitest';
import { defaultMapping } from './defaultMapping.ts';
import { mergeWithDefaults } from './mergeWithDefaults.ts';

describe('mergeWithDefaults', () => {
  it('fills everything left out from the defaults', () => {
    const result = mergeWithDefaults({ stages: { onHold: 'On Hold' }, leads: { handling: 'skip' } });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    expect(result.value).toEqual({
      ...defaultMapping,
      stages: { ...defaultMapping.stages, onHold: 'On Hold' },
      leads: { ...defaultMapping.leads, handling: 'skip' },
    });
  });

  it('has the DESIGN §8 defaults', () => {
    expect(defaultMapping.fields.referralId.salesforceField).toBe('Partner_Center_Referral_Id__c');
    expect(defaultMapping.valueMaps.assistanceRequestCode.GeneralOrOther).toBe('General or other');
    expect(defaultMapping.stages).toMatchObject({ onHold: 'Prospecting', accept: 'Qualification' });
    expect(defaultMapping.nameStatusMark).toBe(false);
    expect(Object.isFrozen(defaultMapping.fields.name)).toBe(true);
  });

  it('lists every problem with its path, unknown keys included', () => {
    const result = mergeWithDefaults({
      fields: { name: { salesforceField: 'Bad Name' } },
      team: { enabeld: true },
      currency: { orgCurrency: 'usd' },
      valueMaps: { assistanceRequestCode: { GeneralOrOther: 'Same', QuotesOrLicensing: 'Same' } },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.map((problem) => [problem.path, problem.reason])).toEqual(
      expect.arrayContaining([
        ['fields.name.salesforceField', 'invalid_value'],
        ['team.enabeld', 'unknown_key'],
        ['currency.orgCurrency', 'invalid_value'],
        ['valueMaps.assistanceRequestCode', 'invalid_value'],
      ]),
    );
    expect(result.error).toHaveLength(4);
  });
});
