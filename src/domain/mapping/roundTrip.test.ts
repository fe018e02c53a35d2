import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dealArbitrary } from '../../../test/support/dealArbitrary.ts';
import { sampleDeal } from '../../../test/support/sampleDeal.ts';
import { type CoSellDeal, dealFields } from '../coSellDeal.ts';
import { accountFields } from './accountFields.ts';
import { contactFields } from './contactChanges.ts';
import { dealFromReferral } from './dealFromReferral.ts';
import { dealFromSalesforce } from './dealFromSalesforce.ts';
import { defaultMapping } from './defaultMapping.ts';
import { referralCreateBody } from './referralCreateBody.ts';
import { salesforceOpportunityFields } from './salesforceOpportunityFields.ts';
import { salesforceStores } from './salesforceStores.ts';
import { salesforceView } from './salesforceView.ts';
import { solutionFields } from './solutionChanges.ts';

/** What Salesforce holds after the sync wrote a deal to a new opportunity and its related records. */
const writtenToSalesforce = (deal: CoSellDeal) =>
  dealFromSalesforce(
    {
      opportunity: { Id: deal.externalReferenceId, ...salesforceOpportunityFields(deal, defaultMapping) },
      account: deal.customer === null ? null : accountFields(deal.customer, defaultMapping),
      contactRoles: deal.customerContacts.map((contact) => ({
        contact: contactFields(contact, defaultMapping),
        role: defaultMapping.contacts.role,
        isPrimary: false,
      })),
      solutions: deal.solutions.map((solution) => solutionFields(solution, defaultMapping)),
      teamMembers: deal.partnerTeam.map((member) => ({
        user: {
          FirstName: member.firstName,
          LastName: member.lastName,
          Email: member.email,
          Phone: member.phone,
        },
        role: defaultMapping.team.role,
      })),
    },
    defaultMapping,
  );

describe('round trips through the wire shapes', () => {
  it('property: a deal written to Salesforce reads back the same on every field Salesforce stores', () => {
    fc.assert(
      fc.property(dealArbitrary, (deal) => {
        // Attributes the default mapping has no column for (account size, DUNS) are filled from the deal, as the merge does.
        const back = salesforceView(writtenToSalesforce(deal), deal, null, defaultMapping);
        for (const field of dealFields) {
          if (salesforceStores(field, defaultMapping) && field !== 'externalReferenceId') {
            expect({ field, value: back[field] }).toEqual({ field, value: deal[field] });
          }
        }
      }),
    );
  });

  it('the default mapping has no column for account size, so Salesforce reads it back empty', () => {
    const deal = sampleDeal();
    expect(writtenToSalesforce(deal).customer?.size).toBeNull();
    expect(deal.customer?.size).not.toBeNull();
  });

  it('property: a create body read back as a referral gives the deal that Partner Center would hold', () => {
    fc.assert(
      fc.property(dealArbitrary, (deal) => {
        const body = referralCreateBody(deal, defaultMapping, { opportunityId: 'opp-1' });
        const back = dealFromReferral(body, defaultMapping);
        for (const field of [
          'name',
          'dealValue',
          'currency',
          'closingDate',
          'notes',
          'assistanceRequestCode',
          'customerContacts',
          'solutions',
          'partnerTeam',
        ] as const) {
          expect({ field, value: back[field] }).toEqual({ field, value: deal[field] });
        }
        expect(back.customer).toEqual(deal.customer);
        expect(back.externalReferenceId).toBe('opp-1');
        expect(back.shareWithMicrosoftSellers).toBe(
          deal.shareWithMicrosoftSellers || deal.assistanceRequestCode !== null,
        );
      }),
    );
  });
});
