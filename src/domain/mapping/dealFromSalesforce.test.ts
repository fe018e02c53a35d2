import { describe, expect, it } from 'vitest';
import type { SalesforceDealSnapshot } from '../salesforceDealSnapshot.ts';
import { dealFromSalesforce } from './dealFromSalesforce.ts';
import { defaultMapping } from './defaultMapping.ts';
import { mergeWithDefaults } from './mergeWithDefaults.ts';

const snapshot = (opportunity: Record<string, unknown> = {}): SalesforceDealSnapshot => ({
  opportunity: {
    Id: '006000000000001AAA',
    Name: 'Contoso cloud migration ✔',
    Amount: 250000,
    CurrencyIsoCode: 'USD',
    CloseDate: '2026-12-31',
    Description: 'Migrate 40 VMs',
    StageName: 'Qualification',
    Partner_Center_Status__c: 'New/Pending',
    Partner_Center_Status_Reason__c: null,
    How_can_Microsoft_help__c: 'Proof of concept or demo',
    Share_with_Microsoft_Sellers__c: true,
    Partner_Center_Referral_Id__c: 'ref-1',
    Partner_Center_Referral_Link__c: 'https://example.test/ref-1',
    Microsoft_CRM_Id__c: null,
    ...opportunity,
  },
  account: {
    Name: 'Contoso Ltd',
    BillingStreet: '1 Microsoft Way\nBuilding 92',
    BillingCity: 'Redmond',
    BillingState: 'WA',
    BillingPostalCode: '98052',
    BillingCountry: 'United States',
  },
  contactRoles: [
    {
      contact: {
        FirstName: 'Ada',
        LastName: 'Lovelace',
        Email: 'Ada@Contoso.com',
        Phone: null,
        Title: 'CTO',
      },
      role: 'Business User',
      isPrimary: true,
    },
    { contact: { FirstName: 'No', LastName: 'Mail', Email: null }, role: null, isPrimary: false },
  ],
  solutions: [{ Solution_Id__c: 'SOL-1', Solution_Name__c: 'Migrate', Publisher__c: 'Fabrikam' }],
  teamMembers: [
    { user: { FirstName: 'Sam', LastName: 'Seller', Email: 'sam@fabrikam.com' }, role: 'Sales Rep' },
  ],
});

describe('dealFromSalesforce', () => {
  it('reads the opportunity, account, contact roles, solutions and team through the default mapping', () => {
    const deal = dealFromSalesforce(snapshot(), defaultMapping);
    expect(deal).toMatchObject({
      name: 'Contoso cloud migration',
      dealValue: 250000,
      currency: 'USD',
      closingDate: '2026-12-31',
      notes: 'Migrate 40 VMs',
      status: 'Active',
      substatus: 'Accepted',
      assistanceRequestCode: 'ProofOfConceptOrDemo',
      shareWithMicrosoftSellers: true,
      type: 'Shared',
      referralId: 'ref-1',
      externalReferenceId: '006000000000001AAA',
      customer: {
        name: 'Contoso Ltd',
        addressLine1: '1 Microsoft Way',
        addressLine2: 'Building 92',
        country: 'US',
        postalCode: '98052',
      },
      customerContacts: [
        { firstName: 'Ada', email: 'ada@contoso.com', title: 'CTO', phone: null, lastName: 'Lovelace' },
      ],
      solutions: [{ id: 'SOL-1', name: 'Migrate', publisher: 'Fabrikam' }],
      partnerTeam: [{ email: 'sam@fabrikam.com', firstName: 'Sam', lastName: 'Seller', phone: null }],
    });
  });

  it('declines a pending referral closed lost from on-hold with a decline reason', () => {
    const deal = dealFromSalesforce(
      snapshot({ StageName: 'Closed Lost', Partner_Center_Status_Reason__c: 'Customer went elsewhere' }),
      defaultMapping,
    );
    expect(deal).toMatchObject({
      status: 'Closed',
      substatus: 'Declined',
      statusReason: 'Customer went elsewhere',
    });
  });

  it('reads no help requested from an empty picklist and Independent type when not shared', () => {
    const deal = dealFromSalesforce(
      snapshot({ How_can_Microsoft_help__c: null, Share_with_Microsoft_Sellers__c: false }),
      defaultMapping,
    );
    expect(deal.assistanceRequestCode).toBeNull();
    expect(deal.type).toBe('Independent');
  });

  it("uses an org's own field names and the org currency from the mapping", () => {
    const mapping = mergeWithDefaults({
      fields: { referralId: { salesforceField: 'Referral_Identfier__c' }, notes: { salesforceField: null } },
      currency: { mode: 'orgCurrency', orgCurrency: 'EUR' },
      notes: { target: 'contentNote' },
      team: { enabled: false },
    });
    if (!mapping.ok) throw new Error('mapping');
    const deal = dealFromSalesforce(
      { ...snapshot({ Referral_Identfier__c: 'old-package-id' }), notes: 'From the note' },
      mapping.value,
    );
    expect(deal).toMatchObject({
      referralId: 'old-package-id',
      currency: 'EUR',
      notes: 'From the note',
    });
    // Without team sync the snapshot's members (the gateway puts the owner there) are still the partner team.
    expect(deal.partnerTeam.map((member) => member.email)).toEqual(
      snapshot({}).teamMembers.map(({ user }) => String(user['Email']).toLowerCase()),
    );
  });

  it('has no customer when the opportunity has no account', () => {
    expect(dealFromSalesforce({ ...snapshot(), account: null }, defaultMapping).customer).toBeNull();
  });
});
