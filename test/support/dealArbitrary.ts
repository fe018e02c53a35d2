import fc from 'fast-check';
import {
  assistanceRequestCodes,
  type CoSellDeal,
  type CustomerContact,
  type DealSolution,
  type PartnerTeamMember,
} from '../../src/domain/coSellDeal.ts';
import { uniqueByKey } from '../../src/domain/mapping/normalise.ts';
import { allowedSubstatuses } from '../../src/domain/referralStatus.ts';
import { sampleDeal } from './sampleDeal.ts';

/** Small value pools so that generated sides often collide (same edit on both sides, conflicts). */
const small = <T>(...values: T[]) => fc.constantFrom(...values);

const contact: fc.Arbitrary<CustomerContact> = fc.record({
  firstName: small('Ada', 'Grace', null),
  lastName: small('Lovelace', 'Hopper'),
  email: small('ada@contoso.com', 'grace@contoso.com', 'alan@contoso.com'),
  phone: small(null, '+1 555 0100'),
  title: small(null, 'CTO'),
});
const solution: fc.Arbitrary<DealSolution> = fc.record({
  id: small('SOL-1', 'SOL-2', 'SOL-3'),
  name: small('Migrate', 'Analytics'),
  publisher: small('Fabrikam', null),
});
const member: fc.Arbitrary<PartnerTeamMember> = fc.record({
  firstName: small('Sam', 'Kim'),
  lastName: small('Seller', null),
  email: small('sam@fabrikam.com', 'kim@fabrikam.com'),
  phone: small(null, '+1 555 0199'),
});
const statusPair = small(
  ...(['New', 'Active', 'Closed'] as const).flatMap((status) =>
    allowedSubstatuses[status].map((substatus) => ({ status, substatus })),
  ),
);

/** Field overrides a side may make to a deal (each field present or not). */
export const dealEdits: fc.Arbitrary<Partial<CoSellDeal>> = fc
  .record(
    {
      name: small('Contoso cloud migration', 'Contoso migration v2', 'Contoso'),
      dealValue: small(null, 1000, 250000),
      currency: small('USD', 'EUR'),
      closingDate: small('2026-12-31', '2027-01-15'),
      notes: small(null, 'first note', 'second note'),
      status: statusPair,
      statusReason: small(null, 'No budget'),
      assistanceRequestCode: fc.constantFrom(null, ...assistanceRequestCodes.slice(0, 2)),
      shareWithMicrosoftSellers: fc.boolean(),
      solutionArea: small(null, 'Security', 'CloudAndAIPlatforms'),
      customerMarketplaceIntent: small(null, 'Yes', 'HaveNotDecided'),
      referralId: small(null, 'ref-1', 'ref-2'),
      externalReferenceId: small(null, 'opp-1'),
      microsoftCrmId: small(null, 'msx-1'),
      engagementId: small(null, 'eng-1', 'eng-2'),
      customer: fc.record({
        name: small('Contoso Ltd', 'Contoso'),
        addressLine1: small('1 Microsoft Way', null),
        addressLine2: fc.constant(null),
        city: small('Redmond', 'Seattle'),
        state: small('WA'),
        postalCode: small('98052', '98101'),
        country: small('US', 'CA'),
        size: small(null, '51to250employees'),
        duns: small(null, '123456789'),
      }),
      customerContacts: fc.array(contact, { maxLength: 3 }),
      solutions: fc.array(solution, { maxLength: 3 }),
      partnerTeam: fc.array(member, { maxLength: 2 }),
    },
    { requiredKeys: [] },
  )
  .map(({ status, customerContacts, solutions, partnerTeam, ...rest }) => {
    const edits: Partial<CoSellDeal> = { ...rest };
    if (status) Object.assign(edits, status);
    if (customerContacts) edits.customerContacts = uniqueByKey(customerContacts, (item) => item.email);
    if (solutions) edits.solutions = uniqueByKey(solutions, (item) => item.id);
    if (partnerTeam) edits.partnerTeam = uniqueByKey(partnerTeam, (item) => item.email);
    return edits;
  });

/** A random complete deal. */
export const dealArbitrary: fc.Arbitrary<CoSellDeal> = dealEdits.map((edits) => sampleDeal(edits));
