import { describe, expect, it } from 'vitest';
import { sampleDeal } from '../../../test/support/sampleDeal.ts';
import { accountFields } from './accountFields.ts';
import { accountMatchKey, normaliseCompanyName } from './accountMatchKey.ts';
import { defaultMapping } from './defaultMapping.ts';
import { mergeWithDefaults } from './mergeWithDefaults.ts';

const customer = { ...sampleDeal().customer!, addressLine2: 'Building 92' };

describe('accountFields', () => {
  it('writes the billing address with both address lines and the alpha-2 country', () => {
    expect(accountFields(customer, defaultMapping)).toEqual({
      Name: 'Contoso Ltd',
      BillingStreet: '1 Microsoft Way\nBuilding 92',
      BillingCity: 'Redmond',
      BillingState: 'WA',
      BillingPostalCode: '98052',
      BillingCountry: 'US',
    });
  });

  it('writes the country name and DUNS when the mapping says so', () => {
    const mapping = mergeWithDefaults({ account: { countryFormat: 'name', dunsField: 'DunsNumber' } });
    if (!mapping.ok) throw new Error('mapping');
    expect(accountFields({ ...customer, duns: '123' }, mapping.value)).toMatchObject({
      BillingCountry: 'United States',
      DunsNumber: '123',
    });
  });
});

describe('accountMatchKey', () => {
  it('prefers the DUNS number', () => {
    expect(accountMatchKey({ ...customer, duns: '12-345-6789' })).toEqual({
      kind: 'duns',
      duns: '123456789',
    });
  });

  it('falls back to the normalised name and postal code', () => {
    expect(accountMatchKey({ ...customer, name: 'Contoso, Ltd.', postalCode: '98052-6399' })).toEqual({
      kind: 'namePostalCode',
      name: 'contoso',
      postalCode: '980526399',
    });
    const a = accountMatchKey({ ...customer, name: 'Société Générale S.A.', postalCode: 'ec1a 1bb' });
    const b = accountMatchKey({ ...customer, name: 'SOCIETE GENERALE', postalCode: 'EC1A1BB' });
    expect(a).toEqual(b);
  });

  it('has no key without DUNS and without name or postal code', () => {
    expect(accountMatchKey({ ...customer, postalCode: null })).toBeNull();
    expect(accountMatchKey({ ...customer, name: null })).toBeNull();
  });

  it('keeps a name made only of legal-form words', () => {
    expect(normaliseCompanyName('Company Ltd')).toBe('company ltd');
  });
});
