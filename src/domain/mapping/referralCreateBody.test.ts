import { describe, expect, it } from 'vitest';
import { sampleDeal } from '../../../test/support/sampleDeal.ts';
import { defaultMapping } from './defaultMapping.ts';
import { referralCreateBody } from './referralCreateBody.ts';

describe('referralCreateBody', () => {
  it('builds a shared co-sell referral with consent, help code, CRM id, customer, solutions and team', () => {
    const body = referralCreateBody(sampleDeal({ shareWithMicrosoftSellers: false }), defaultMapping, {
      opportunityId: '006XYZ',
    });
    expect(body).toEqual({
      name: 'Contoso cloud migration',
      type: 'Shared',
      qualification: 'SalesQualified',
      externalReferenceId: '006XYZ',
      customerProfile: {
        name: 'Contoso Ltd',
        size: '51to250employees',
        address: {
          addressLine1: '1 Microsoft Way',
          addressLine2: null,
          city: 'Redmond',
          state: 'WA',
          postalCode: '98052',
          country: 'US',
        },
        team: [
          {
            firstName: 'Ada',
            lastName: 'Lovelace',
            email: 'ada@contoso.com',
            phoneNumber: '+1 425 555 0100',
            title: 'CTO',
          },
        ],
        ids: [],
      },
      consent: {
        consentToToShareInfoWithOthers: true,
        consentToContact: true,
        consentToShareReferralWithMicrosoftSellers: true,
      },
      details: {
        notes: 'Migrate 40 VMs to Azure',
        dealValue: 250000,
        currency: 'USD',
        closingDateTime: '2026-12-31T00:00:00Z',
        requirements: {
          solutions: [
            { type: 'Name', id: 'SOL-34104-EBB', name: 'Contoso Migrate', publisherName: 'Fabrikam' },
          ],
        },
      },
      team: [{ firstName: 'Sam', lastName: 'Seller', email: 'sam@fabrikam.com', phoneNumber: null }],
      inviteContext: { assistanceRequestCode: 'CustomerTechnicalArchitecture' },
      target: [],
    });
  });

  it('adds the Services co-sell fields and the marketplace intent only when they are set', () => {
    const body = referralCreateBody(
      sampleDeal({
        partnerRole: 'Implementation',
        solutionArea: 'CloudAndAIPlatforms',
        solutionPlay: 'UnifyYourDataPlatform',
        customerMarketplaceIntent: 'HaveNotDecided',
      }),
      defaultMapping,
      { opportunityId: '006A' },
    );
    expect(body).toMatchObject({
      partnerRole: 'Implementation',
      solutionArea: 'CloudAndAIPlatforms',
      solutionPlay: 'UnifyYourDataPlatform',
      details: {
        requirements: {
          additionalRequirements: {
            attributes: [{ id: 'HaveNotDecided', type: 'CustomerMarketplaceIntent' }],
          },
        },
      },
    });
    const plain = referralCreateBody(sampleDeal(), defaultMapping, { opportunityId: '006A' });
    expect(Object.keys(plain)).not.toContain('partnerRole');
    expect(plain.details.requirements).not.toHaveProperty('additionalRequirements');
  });

  it('builds a private deal when no help is requested and the deal is not shared', () => {
    const body = referralCreateBody(
      sampleDeal({ assistanceRequestCode: null, shareWithMicrosoftSellers: false }),
      defaultMapping,
      { opportunityId: '006XYZ' },
    );
    expect(body.type).toBe('Independent');
    expect(body.consent.consentToShareReferralWithMicrosoftSellers).toBe(false);
    expect(body.inviteContext.assistanceRequestCode).toBe('Unknown');
  });

  it('builds a partner-led deal when shared without help', () => {
    const body = referralCreateBody(sampleDeal({ assistanceRequestCode: null }), defaultMapping, {
      opportunityId: '006XYZ',
    });
    expect(body.type).toBe('Shared');
    expect(body.consent.consentToShareReferralWithMicrosoftSellers).toBe(true);
  });
});
