import { describe, expect, it } from 'vitest';
import { sampleInboundReferral } from '../../../test/support/sampleDeal.ts';
import { categoryOf, dealFromReferral } from './dealFromReferral.ts';
import { defaultMapping } from './defaultMapping.ts';

describe('dealFromReferral', () => {
  it('reads the whole referral into the canonical deal', () => {
    const deal = dealFromReferral(sampleInboundReferral(), defaultMapping);
    expect(deal).toEqual({
      name: 'Northwind data platform',
      dealValue: 120000,
      currency: 'GBP',
      closingDate: '2027-03-31',
      notes: 'Customer wants a data platform by Q3',
      status: 'New',
      substatus: 'Pending',
      statusReason: null,
      type: 'Shared',
      direction: 'Incoming',
      qualification: 'SalesQualified',
      category: 'coSell',
      assistanceRequestCode: 'CustomerTechnicalArchitecture',
      shareWithMicrosoftSellers: true,
      partnerRole: 'Implementation',
      solutionArea: 'CloudAndAIPlatforms',
      solutionPlay: 'MigrateAndModernizeYourEstate',
      customerMarketplaceIntent: 'HaveNotDecided',
      acceptByDate: '2026-12-20',
      actByDate: null,
      referralId: '7a1b2c3d-0000-4000-8000-000000000009',
      referralLink:
        'https://api.partner.microsoft.com/v1.0/engagements/referrals/7a1b2c3d-0000-4000-8000-000000000009',
      engagementId: '0ee9d55d-0000-4000-8000-000000000010',
      externalReferenceId: null,
      microsoftCrmId: '7-ABCDEF123',
      inviteNotes: 'Microsoft seller: please help with architecture',
      microsoftStatus: null,
      customer: {
        name: 'Northwind Traders',
        addressLine1: '12 Harbour St',
        addressLine2: 'Floor 3',
        city: 'London',
        state: null,
        postalCode: 'EC1A 1BB',
        country: 'GB',
        size: '251to1000employees',
        duns: '123456789',
      },
      customerContacts: [
        {
          firstName: 'Nina',
          lastName: 'North',
          email: 'nina.north@northwind.example',
          phone: '+44 20 5555 0101',
          title: null,
        },
      ],
      solutions: [{ id: 'SOL-6115380-IPC', name: 'Northwind Analytics', publisher: 'Fabrikam' }],
      partnerTeam: [{ firstName: 'Sam', lastName: 'Seller', email: 'sam@fabrikam.com', phone: null }],
    });
  });

  it('treats the Unknown assistance code as no help and an invalid substatus as the status default', () => {
    const deal = dealFromReferral(
      {
        ...sampleInboundReferral(),
        status: 'Active',
        substatus: 'Pending',
        inviteContext: { assistanceRequestCode: 'Unknown' },
      },
      defaultMapping,
    );
    expect(deal.assistanceRequestCode).toBeNull();
    expect(deal.substatus).toBe('Accepted');
  });

  it('takes the Microsoft-side status from the related Microsoft referral of the engagement', () => {
    const referral = sampleInboundReferral();
    const deal = dealFromReferral(referral, defaultMapping, {
      relatedReferrals: [
        referral,
        { id: 'other', organizationId: 'partner-2', status: 'Closed', substatus: 'Lost' },
        {
          id: 'ms',
          target: [{ type: 'BusinessProfileLocation', id: 'msft' }],
          status: 'Active',
          substatus: 'Accepted',
        },
      ],
    });
    expect(deal.microsoftStatus).toBe('Active/Accepted');
  });

  it('keeps an unrecognised country as written so validation can name it', () => {
    const referral = sampleInboundReferral();
    const deal = dealFromReferral(
      { ...referral, customerProfile: { address: { country: 'United Kingdom' } } },
      defaultMapping,
    );
    expect(deal.customer?.country).toBe('GB');
    const odd = dealFromReferral(
      { ...referral, customerProfile: { address: { country: 'Atlantis' } } },
      defaultMapping,
    );
    expect(odd.customer?.country).toBe('Atlantis');
  });

  it('accepts links already reduced to their URI', () => {
    const deal = dealFromReferral({ id: 'r1', links: { self: 'https://example.test/r1' } }, defaultMapping);
    expect(deal.referralLink).toBe('https://example.test/r1');
  });

  it('survives an almost empty referral', () => {
    const deal = dealFromReferral({ id: 'r1' }, defaultMapping);
    expect(deal).toMatchObject({
      name: '',
      status: 'New',
      substatus: 'Pending',
      type: 'Independent',
      category: 'coSell',
    });
    expect(deal.customerContacts).toEqual([]);
  });
});

describe('categoryOf (spec §1.7)', () => {
  it('tells marketplace leads, qualified leads and co-sell opportunities apart', () => {
    const msft = { invitedBy: { organizationId: 'msft' } };
    expect(categoryOf({ type: 'Independent', qualification: 'Direct', inviteContext: msft })).toBe(
      'marketplaceLead',
    );
    expect(categoryOf({ type: 'Independent', qualification: 'Direct' })).toBe('marketplaceLead');
    expect(
      categoryOf({ type: 'Independent', qualification: 'MarketingQualified', inviteContext: msft }),
    ).toBe('lead');
    expect(categoryOf({ type: 'Shared', qualification: 'SalesQualified', inviteContext: msft })).toBe(
      'coSell',
    );
    expect(
      categoryOf({
        type: 'Independent',
        qualification: 'SalesQualified',
        inviteContext: { invitedBy: { organizationId: 'p1' } },
      }),
    ).toBe('coSell');
  });
});
