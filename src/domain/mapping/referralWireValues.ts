import type {
  CoSellDeal,
  CustomerContact,
  DealCustomer,
  DealSolution,
  PartnerTeamMember,
} from '../coSellDeal.ts';

/**
 * Deal values in Partner Center's wire shape, shared by the create body and the patch operations,
 * so both always write the same representation.
 */

export interface ReferralMemberBody {
  firstName: string | null;
  lastName: string | null;
  email: string;
  phoneNumber: string | null;
  title?: string | null;
}

export interface ReferralAddressBody {
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
}

export interface ReferralSolutionBody {
  type: 'Name';
  id: string;
  name: string | null;
  publisherName: string | null;
}

export const contactBody = (contact: CustomerContact): ReferralMemberBody => ({
  firstName: contact.firstName,
  lastName: contact.lastName,
  email: contact.email,
  phoneNumber: contact.phone,
  title: contact.title,
});

export const teamMemberBody = (member: PartnerTeamMember): ReferralMemberBody => ({
  firstName: member.firstName,
  lastName: member.lastName,
  email: member.email,
  phoneNumber: member.phone,
});

export const solutionBody = (solution: DealSolution): ReferralSolutionBody => ({
  type: 'Name',
  id: solution.id,
  name: solution.name,
  publisherName: solution.publisher,
});

export const addressBody = (customer: DealCustomer | null): ReferralAddressBody => ({
  addressLine1: customer?.addressLine1 ?? null,
  addressLine2: customer?.addressLine2 ?? null,
  city: customer?.city ?? null,
  state: customer?.state ?? null,
  postalCode: customer?.postalCode ?? null,
  country: customer?.country ?? null,
});

/** `customerProfile.ids` for a DUNS number (empty without one). */
export const customerIdsBody = (customer: DealCustomer | null) =>
  customer?.duns ? [{ profileType: 'Duns', id: customer.duns }] : [];

/** `details.closingDateTime` for a `YYYY-MM-DD` closing date (midnight UTC, as Partner Center samples send it). */
export const closingDateTimeBody = (closingDate: string | null): string | null =>
  closingDate === null ? null : `${closingDate}T00:00:00Z`;

/** The assistance code on the wire: `Unknown` means no help requested. */
export const assistanceCodeBody = (deal: Pick<CoSellDeal, 'assistanceRequestCode'>): string =>
  deal.assistanceRequestCode ?? 'Unknown';

/** Visibility to Microsoft sellers: the visibility field, and always when help is requested (Microsoft must see it). */
export const sharedWithMicrosoftBody = (
  deal: Pick<CoSellDeal, 'assistanceRequestCode' | 'shareWithMicrosoftSellers'>,
): boolean => deal.shareWithMicrosoftSellers || deal.assistanceRequestCode !== null;

/** The type of the additional-requirements attribute that carries the customer's marketplace purchase intent. */
export const MARKETPLACE_INTENT_ATTRIBUTE = 'CustomerMarketplaceIntent';

/** `details.requirements.additionalRequirements.attributes` for the intent (empty when none is set). */
export const marketplaceIntentAttributesBody = (
  deal: Pick<CoSellDeal, 'customerMarketplaceIntent'>,
): { id: string; type: string }[] =>
  deal.customerMarketplaceIntent === null
    ? []
    : [{ id: deal.customerMarketplaceIntent, type: MARKETPLACE_INTENT_ATTRIBUTE }];
