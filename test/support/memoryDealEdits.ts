/**
 * How a `MemoryDeal` comes to be and changes outside the sync: an inbound referral, an opportunity a seller
 * shares, and edits made by people on either side — in Partner Center (within its status rules, never on a closed
 * referral) and in Salesforce (a seller edits opportunity fields, moves the stage, edits the account, adds or
 * removes contact roles, solution records and team members; never the connector's own status text).
 */

import type { JsonObject } from '../../emulators/partner-center/referralRules.ts';
import { deepMerge, fillReferral } from '../../emulators/partner-center/referralTemplate.ts';
import { type CoSellDeal, type DealField, dealCollections, dealFields } from '../../src/domain/coSellDeal.ts';
import { noChildChanges } from '../../src/domain/dealPlan.ts';
import { deepEqual } from '../../src/domain/deepEqual.ts';
import { accountFields } from '../../src/domain/mapping/accountFields.ts';
import { childChanges } from '../../src/domain/mapping/childChanges.ts';
import { dealFromReferral } from '../../src/domain/mapping/dealFromReferral.ts';
import { dealFromSalesforce } from '../../src/domain/mapping/dealFromSalesforce.ts';
import type { Mapping } from '../../src/domain/mapping/mappingSchema.ts';
import {
  addressBody,
  assistanceCodeBody,
  closingDateTimeBody,
  contactBody,
  customerIdsBody,
  marketplaceIntentAttributesBody,
  solutionBody,
  teamMemberBody,
} from '../../src/domain/mapping/referralWireValues.ts';
import { salesforceOpportunityFields } from '../../src/domain/mapping/salesforceOpportunityFields.ts';
import { checkTransition } from '../../src/domain/referralStatus.ts';
import {
  applySalesforceWrites,
  emptyOrg,
  type MemoryDeal,
  snapshotOf,
  touchOpportunity,
  touchReferral,
} from './memoryDeal.ts';

/** The partner's sellers as Salesforce users (the emails `dealArbitrary` gives team members). */
export const partnerUsers = [
  { Id: '005000000000001', FirstName: 'Sam', LastName: 'Seller', Email: 'sam@fabrikam.com', Phone: null },
  {
    Id: '005000000000002',
    FirstName: 'Kim',
    LastName: 'Seller',
    Email: 'kim@fabrikam.com',
    Phone: '+1 555 0199',
  },
] as const;

const dateTime = (date: string | null): string | null => (date === null ? null : `${date}T00:00:00Z`);

/** A deal's values in Partner Center's wire shape (what `dealFromReferral` reads), over a production-like template. */
export function referralDocument(deal: CoSellDeal): JsonObject {
  return fillReferral({
    id: deal.referralId,
    engagementId: deal.engagementId,
    name: deal.name,
    externalReferenceId: deal.externalReferenceId,
    status: deal.status,
    substatus: deal.substatus,
    statusReason: deal.statusReason,
    expirationDateTime: dateTime(deal.acceptByDate ?? deal.actByDate),
    type: deal.type,
    direction: deal.direction,
    qualification: deal.qualification,
    partnerRole: deal.partnerRole,
    solutionArea: deal.solutionArea,
    solutionPlay: deal.solutionPlay,
    customerProfile: {
      name: deal.customer?.name ?? null,
      size: deal.customer?.size ?? null,
      address: { ...addressBody(deal.customer) },
      team: deal.customerContacts.map(contactBody),
      ids: customerIdsBody(deal.customer),
    },
    consent: { consentToShareReferralWithMicrosoftSellers: deal.shareWithMicrosoftSellers },
    details: {
      notes: deal.notes,
      dealValue: deal.dealValue,
      currency: deal.currency,
      closingDateTime: closingDateTimeBody(deal.closingDate),
      requirements: {
        solutions: deal.solutions.map(solutionBody),
        additionalRequirements: { attributes: marketplaceIntentAttributesBody(deal) },
      },
    },
    team: deal.partnerTeam.map(teamMemberBody),
    inviteContext: { notes: deal.inviteNotes, assistanceRequestCode: assistanceCodeBody(deal) },
    links: deal.referralLink === null ? null : { self: { uri: deal.referralLink } },
    trackingInfo: { microsoftMsxId: deal.microsoftCrmId },
  });
}

const newDeal = (): MemoryDeal => ({
  referral: null,
  org: emptyOrg(partnerUsers),
  link: null,
  tick: 0,
  ids: 0,
});

/** A referral Partner Center sent that Salesforce has never seen. */
export function referralOnly(deal: CoSellDeal): MemoryDeal {
  const memory = newDeal();
  touchReferral(
    memory,
    referralDocument({ ...deal, referralId: deal.referralId ?? 'ref-1', externalReferenceId: null }),
  );
  return memory;
}

/** An opportunity a seller made (account, contact roles, solutions, team) with Sync with Partner Center ticked. */
export function opportunityOnly(deal: CoSellDeal, mapping: Mapping): MemoryDeal {
  const memory = newDeal();
  const { statusTextField, syncStatusField } = mapping.opportunity;
  const fields = salesforceOpportunityFields({ ...deal, referralId: null }, mapping);
  for (const field of [statusTextField, syncStatusField]) if (field) delete fields[field];
  applySalesforceWrites(
    memory,
    {
      account: deal.customer && { match: null, fields: accountFields(deal.customer, mapping) },
      opportunity: { op: 'create', referralId: '', fields },
      accountId: null,
      children: childChanges(everyFieldBothWays(mapping), deal, null),
      notes: [],
    },
    mapping,
  );
  const referralIdField = mapping.fields.referralId.salesforceField;
  if (referralIdField) touchOpportunity(memory, { [referralIdField]: null });
  return memory;
}

/**
 * Fields no person changes in Partner Center: the referral's own ids, and the opportunity id the connector keeps on
 * it (once the referral is closed, a hand edit of it could never be put back).
 */
const fixedInPartnerCenter: readonly DealField[] = [
  'referralId',
  'engagementId',
  'referralLink',
  'externalReferenceId',
];

/**
 * An edit made in Partner Center (by Microsoft or the partner), within its rules: none on a closed referral, only the
 * status moves its table allows, no taking back the consent to share with Microsoft sellers, which asking for help gives.
 */
export function editInPartnerCenter(
  deal: MemoryDeal,
  edits: Partial<CoSellDeal>,
  mapping: Mapping,
): MemoryDeal {
  if (!deal.referral) return deal;
  const current = dealFromReferral(deal.referral, mapping);
  if (current.status === 'Closed') return deal;
  const next: CoSellDeal = { ...current, ...edits };
  for (const field of fixedInPartnerCenter) Object.assign(next, { [field]: current[field] });
  if (!checkTransition(current, next).ok)
    Object.assign(next, { status: current.status, substatus: current.substatus });
  // Partner Center keeps a referral Microsoft sellers can see visible (its consent cannot be taken back), and asking
  // Microsoft for help gives that consent.
  if (current.shareWithMicrosoftSellers || next.assistanceRequestCode !== null)
    next.shareWithMicrosoftSellers = true;
  if (deepEqual(next, current)) return deal;
  const edited = structuredClone(deal);
  touchReferral(edited, deepMerge(edited.referral!, referralDocument(next)));
  return edited;
}

/** The mapping with every field flowing both ways: what a seller can edit does not depend on the sync's direction. */
const everyFieldBothWays = (mapping: Mapping): Mapping => ({
  ...mapping,
  fields: Object.fromEntries(
    Object.entries(mapping.fields).map(([field, spec]) => [field, { ...spec, direction: 'both' }]),
  ) as unknown as Mapping['fields'],
});

/** An edit a seller makes in Salesforce, through the fields and records the mapping reads. */
export function editInSalesforce(deal: MemoryDeal, edits: Partial<CoSellDeal>, mapping: Mapping): MemoryDeal {
  if (!deal.org.opportunity) return deal;
  const seller = everyFieldBothWays(mapping);
  const snapshot = snapshotOf(deal.org, mapping);
  const current = dealFromSalesforce(snapshot, mapping);
  const next: CoSellDeal = { ...current, ...edits };
  const changed = dealFields.filter((field) => !deepEqual(current[field], next[field]));
  if (changed.length === 0) return deal;
  const edited = structuredClone(deal);
  const scalars = changed.filter(
    (field) => field !== 'customer' && !(dealCollections as readonly string[]).includes(field),
  );
  if (scalars.length) {
    const stage = snapshot.opportunity[mapping.fields.status.salesforceField ?? 'StageName'];
    const fields = salesforceOpportunityFields(next, seller, scalars, {
      currentStage: typeof stage === 'string' ? stage : null,
    });
    // A seller moves the stage; the status text is the connector's record of Partner Center's status.
    if (mapping.opportunity.statusTextField) delete fields[mapping.opportunity.statusTextField];
    if (Object.keys(fields).length) touchOpportunity(edited, fields);
  }
  if (changed.includes('customer') && next.customer) {
    const account = { ...edited.org.account, ...accountFields(next.customer, mapping) };
    account['Id'] ??= '001000000000999';
    edited.org.account = account;
    if (edited.org.opportunity?.['AccountId'] !== account['Id'])
      touchOpportunity(edited, { AccountId: account['Id'] });
  }
  const collections = dealCollections.filter((field) => changed.includes(field));
  // The seller links the records, then gives a contact found by email the details they want.
  for (let pass = 0; collections.length && pass < 2; pass += 1)
    applySalesforceWrites(
      edited,
      {
        account: null,
        opportunity: null,
        accountId: typeof edited.org.account?.['Id'] === 'string' ? edited.org.account['Id'] : null,
        children: {
          ...noChildChanges(),
          ...childChanges(seller, next, snapshotOf(edited.org, mapping), collections),
        },
        notes: [],
      },
      mapping,
    );
  return edited;
}
