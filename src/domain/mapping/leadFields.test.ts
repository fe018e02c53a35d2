import { describe, expect, it } from 'vitest';
import { sampleDeal } from '../../../test/support/sampleDeal.ts';
import { defaultMapping } from './defaultMapping.ts';
import { leadFields } from './leadFields.ts';

describe('leadFields', () => {
  it('fills the standard Lead fields from the customer and first contact', () => {
    const deal = sampleDeal({ category: 'lead', inviteNotes: 'From Microsoft' });
    expect(leadFields(deal, defaultMapping)).toEqual({
      Company: 'Contoso Ltd',
      Street: '1 Microsoft Way',
      City: 'Redmond',
      State: 'WA',
      PostalCode: '98052',
      Country: 'US',
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Email: 'ada@contoso.com',
      Phone: '+1 425 555 0100',
      Title: 'CTO',
      Description: 'Contoso cloud migration\n\nMigrate 40 VMs to Azure\n\nFrom Microsoft',
      LeadSource: 'Partner Referral',
    });
  });

  it('always has a LastName and Company, which Salesforce requires', () => {
    const fields = leadFields(sampleDeal({ customerContacts: [], customer: null }), defaultMapping);
    expect(fields['LastName']).toBe('Contoso cloud migration');
    expect(fields['Company']).toBe('Contoso cloud migration');
  });
});
