import type { CoSellDeal } from '../../src/domain/coSellDeal.ts';
import { accountFields } from '../../src/domain/mapping/accountFields.ts';
import { contactFields } from '../../src/domain/mapping/contactChanges.ts';
import type { Mapping } from '../../src/domain/mapping/mappingSchema.ts';
import { salesforceOpportunityFields } from '../../src/domain/mapping/salesforceOpportunityFields.ts';
import { solutionFields } from '../../src/domain/mapping/solutionChanges.ts';
import type { ReferralInput } from '../../src/domain/referralInput.ts';
import type { SalesforceDealSnapshot } from '../../src/domain/salesforceDealSnapshot.ts';

/** A complete co-sell deal for tests; override what a test is about. */
export const sampleDeal = (overrides: Partial<CoSellDeal> = {}): CoSellDeal => ({
  name: 'Contoso cloud migration',
  dealValue: 250000,
  currency: 'USD',
  closingDate: '2026-12-31',
  notes: 'Migrate 40 VMs to Azure',
  status: 'Active',
  substatus: 'Accepted',
  statusReason: null,
  type: 'Shared',
  direction: 'Outgoing',
  qualification: 'SalesQualified',
  category: 'coSell',
  assistanceRequestCode: 'CustomerTechnicalArchitecture',
  shareWithMicrosoftSellers: true,
  partnerRole: null,
  solutionArea: null,
  solutionPlay: null,
  customerMarketplaceIntent: null,
  acceptByDate: null,
  actByDate: null,
  referralId: '7a1b2c3d-0000-4000-8000-000000000001',
  referralLink:
    'https://api.partner.microsoft.com/v1.0/engagements/referrals/7a1b2c3d-0000-4000-8000-000000000001',
  engagementId: '0ee9d55d-0000-4000-8000-000000000002',
  externalReferenceId: '006000000000001AAA',
  microsoftCrmId: null,
  inviteNotes: null,
  microsoftStatus: null,
  customer: {
    name: 'Contoso Ltd',
    addressLine1: '1 Microsoft Way',
    addressLine2: null,
    city: 'Redmond',
    state: 'WA',
    postalCode: '98052',
    country: 'US',
    size: '51to250employees',
    duns: null,
  },
  customerContacts: [
    {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@contoso.com',
      phone: '+1 425 555 0100',
      title: 'CTO',
    },
  ],
  solutions: [{ id: 'SOL-34104-EBB', name: 'Contoso Migrate', publisher: 'Fabrikam' }],
  partnerTeam: [{ firstName: 'Sam', lastName: 'Seller', email: 'sam@fabrikam.com', phone: null }],
  ...overrides,
});

/** A Microsoft-originated inbound co-sell referral as Partner Center returns it (spec §1.5 shape). */
export const sampleInboundReferral = (): ReferralInput => ({
  id: '7a1b2c3d-0000-4000-8000-000000000009',
  engagementId: '0ee9d55d-0000-4000-8000-000000000010',
  name: 'Northwind data platform',
  organizationId: 'partner-org-1',
  organizationName: 'Fabrikam',
  externalReferenceId: null,
  status: 'New',
  substatus: 'Pending',
  statusReason: null,
  expirationDateTime: '2026-12-20T09:30:00.1234567Z',
  partnerRole: 'Implementation',
  solutionArea: 'cloud and ai platforms',
  solutionPlay: 'MigrateAndModernizeYourEstate',
  type: 'Shared',
  qualification: 'SalesQualified',
  direction: 'Incoming',
  target: [{ type: 'SolutionProfile', id: 'sp-1' }],
  customerProfile: {
    name: 'Northwind Traders',
    size: '251to1000employees',
    address: {
      addressLine1: '12 Harbour St',
      addressLine2: 'Floor 3',
      city: 'London',
      state: null,
      postalCode: 'EC1A 1BB',
      country: 'GB',
    },
    team: [
      {
        firstName: 'Nina',
        lastName: 'North',
        email: 'Nina.North@Northwind.example',
        phoneNumber: '+44 20 5555 0101',
      },
      { firstName: 'No', lastName: 'Email', email: null },
    ],
    ids: [{ profileType: 'Duns', id: '123456789' }],
  },
  consent: {
    consentToToShareInfoWithOthers: true,
    consentToContact: true,
    consentToShareReferralWithMicrosoftSellers: true,
  },
  details: {
    notes: 'Customer wants a data platform by Q3',
    dealValue: '120000',
    currency: 'gbp',
    closingDateTime: '2027-03-31T00:00:00Z',
    requirements: {
      solutions: [
        { id: 'SOL-6115380-IPC', name: 'Northwind Analytics', publisherName: 'Fabrikam' },
        { id: 'SOL-6115380-IPC', name: 'duplicate', publisherName: 'Fabrikam' },
      ],
      additionalRequirements: { attributes: [{ id: 'HaveNotDecided', type: 'CustomerMarketplaceIntent' }] },
    },
  },
  team: [{ firstName: 'Sam', lastName: 'Seller', email: 'sam@fabrikam.com', phoneNumber: null }],
  inviteContext: {
    notes: 'Microsoft seller: please help with architecture',
    assistanceRequestCode: 'CustomerTechnicalArchitecture',
    invitedBy: { organizationId: 'msft', organizationName: 'Microsoft' },
  },
  links: {
    self: {
      uri: 'https://api.partner.microsoft.com/v1.0/engagements/referrals/7a1b2c3d-0000-4000-8000-000000000009',
    },
  },
  trackingInfo: { microsoftMsxId: '7-ABCDEF123' },
});

/** The opportunity (with account, contact roles, solutions and team) a sync would have written for a deal. */
export function opportunitySnapshotOf(
  deal: CoSellDeal,
  mapping: Mapping,
  opportunityId = '006NEW',
): SalesforceDealSnapshot {
  return {
    opportunity: { Id: opportunityId, ...salesforceOpportunityFields(deal, mapping) },
    account: deal.customer && accountFields(deal.customer, mapping),
    contactRoles: deal.customerContacts.map((contact) => ({
      contact: contactFields(contact, mapping),
      role: 'Business User',
      isPrimary: false,
    })),
    solutions: deal.solutions.map((solution) => solutionFields(solution, mapping)),
    teamMembers: deal.partnerTeam.map((member) => ({
      user: { FirstName: member.firstName, LastName: member.lastName, Email: member.email },
      role: mapping.team.role,
    })),
  };
}
