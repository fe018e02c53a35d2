import { type CoSellDeal, referralTypeFor } from '../coSellDeal.ts';
import type { Mapping } from './mappingSchema.ts';
import {
  addressBody,
  assistanceCodeBody,
  closingDateTimeBody,
  contactBody,
  customerIdsBody,
  marketplaceIntentAttributesBody,
  type ReferralAddressBody,
  type ReferralMemberBody,
  type ReferralSolutionBody,
  sharedWithMicrosoftBody,
  solutionBody,
  teamMemberBody,
} from './referralWireValues.ts';

/** The POST /v1.0/engagements/referrals body (spec §1.5, §1.8). */
export interface ReferralCreateBody {
  name: string;
  type: 'Independent' | 'Shared';
  qualification: 'SalesQualified';
  externalReferenceId: string;
  customerProfile: {
    name: string | null;
    size: string | null;
    address: ReferralAddressBody;
    team: ReferralMemberBody[];
    ids: { profileType: string; id: string }[];
  };
  consent: {
    /** The real wire name has the doubled "ToTo". */
    consentToToShareInfoWithOthers: boolean;
    consentToContact: boolean;
    consentToShareReferralWithMicrosoftSellers: boolean;
  };
  details: {
    notes: string | null;
    dealValue: number | null;
    currency: string | null;
    closingDateTime: string | null;
    requirements: {
      solutions: ReferralSolutionBody[];
      /** The customer's marketplace purchase intent, as the create sample sends it. */
      additionalRequirements?: { attributes: { id: string; type: string }[] };
    };
  };
  team: ReferralMemberBody[];
  inviteContext: { assistanceRequestCode: string };
  target: [];
  /** Services co-sell (required for Services co-sell referrals); sent only when set. */
  partnerRole?: string;
  solutionArea?: string;
  solutionPlay?: string;
}

/**
 * The create body for a deal coming from a Salesforce opportunity: type Shared when help is requested or the deal
 * is shared with Microsoft sellers, consent from the visibility field, the assistance code (`Unknown` = no help),
 * `externalReferenceId` = the opportunity id, the customer profile with address and contacts, deal details with
 * the solutions and the marketplace intent, the partner team, and the Services co-sell fields when set.
 * Validate the deal with `validateDeal` first.
 */
export function referralCreateBody(
  deal: CoSellDeal,
  _mapping: Mapping,
  context: { opportunityId: string },
): ReferralCreateBody {
  const shared = sharedWithMicrosoftBody(deal);
  const attributes = marketplaceIntentAttributesBody(deal);
  const services = Object.fromEntries(
    (['partnerRole', 'solutionArea', 'solutionPlay'] as const).flatMap((field) => {
      const value = deal[field];
      return value === null ? [] : [[field, value]];
    }),
  ) as Pick<ReferralCreateBody, 'partnerRole' | 'solutionArea' | 'solutionPlay'>;
  return {
    name: deal.name,
    type: referralTypeFor(deal),
    qualification: 'SalesQualified',
    externalReferenceId: context.opportunityId,
    customerProfile: {
      name: deal.customer?.name ?? null,
      size: deal.customer?.size ?? null,
      address: addressBody(deal.customer),
      team: deal.customerContacts.map(contactBody),
      ids: customerIdsBody(deal.customer),
    },
    consent: {
      consentToToShareInfoWithOthers: shared,
      consentToContact: true,
      consentToShareReferralWithMicrosoftSellers: shared,
    },
    details: {
      notes: deal.notes,
      dealValue: deal.dealValue,
      currency: deal.currency,
      closingDateTime: closingDateTimeBody(deal.closingDate),
      requirements: {
        solutions: deal.solutions.map(solutionBody),
        ...(attributes.length ? { additionalRequirements: { attributes } } : {}),
      },
    },
    team: deal.partnerTeam.map(teamMemberBody),
    inviteContext: { assistanceRequestCode: assistanceCodeBody(deal) },
    target: [],
    ...services,
  };
}
