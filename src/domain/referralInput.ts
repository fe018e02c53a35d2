/**
 * Structural input types: the subset of a Partner Center referral (spec §1.5) that the domain reads.
 * Every property is optional and nullable so a leniently validated wire referral from the client is assignable.
 * Enum-like values are plain strings here; `dealFromReferral` normalises them.
 */

type Opt<T> = T | null | undefined;

/** `customerProfile.team[]` and `team[]` entries. */
export interface ReferralMemberInput {
  firstName?: Opt<string>;
  lastName?: Opt<string>;
  email?: Opt<string>;
  phoneNumber?: Opt<string>;
  title?: Opt<string>;
}

export interface ReferralAddressInput {
  addressLine1?: Opt<string>;
  addressLine2?: Opt<string>;
  city?: Opt<string>;
  state?: Opt<string>;
  postalCode?: Opt<string>;
  country?: Opt<string>;
}

export interface ReferralCustomerProfileInput {
  name?: Opt<string>;
  size?: Opt<string>;
  address?: Opt<ReferralAddressInput>;
  team?: Opt<readonly ReferralMemberInput[]>;
  ids?: Opt<readonly { profileType?: Opt<string>; id?: Opt<string> }[]>;
}

export interface ReferralSolutionInput {
  id?: Opt<string>;
  name?: Opt<string>;
  publisherName?: Opt<string>;
}

/** `details.requirements.additionalRequirements.attributes[]`, e.g. `{ id: 'HaveNotDecided', type: 'CustomerMarketplaceIntent' }`. */
export interface ReferralAttributeInput {
  id?: Opt<string>;
  type?: Opt<string>;
}

export interface ReferralDetailsInput {
  notes?: Opt<string>;
  /** A number on the wire, sometimes a numeric string. */
  dealValue?: Opt<number | string>;
  currency?: Opt<string>;
  closingDateTime?: Opt<string>;
  requirements?: Opt<{
    solutions?: Opt<readonly ReferralSolutionInput[]>;
    additionalRequirements?: Opt<{ attributes?: Opt<readonly ReferralAttributeInput[]> }>;
  }>;
}

/** A link as on the wire (`{ uri, method }`) or already reduced to its URI. */
export type ReferralLinkInput = string | { uri?: Opt<string> };

export interface ReferralInput {
  id?: Opt<string>;
  engagementId?: Opt<string>;
  name?: Opt<string>;
  organizationId?: Opt<string>;
  organizationName?: Opt<string>;
  externalReferenceId?: Opt<string>;
  status?: Opt<string>;
  substatus?: Opt<string>;
  /** ISO-8601: when an unanswered inbound referral expires, or an accepted Joint Planning lead closes as lost. */
  expirationDateTime?: Opt<string>;
  acceptedDateTime?: Opt<string>;
  /** Services co-sell (spec 2026 review): required for Services co-sell referrals. */
  partnerRole?: Opt<string>;
  solutionArea?: Opt<string>;
  solutionPlay?: Opt<string>;
  /** Listed on the resource page; the create sample sends it as an additional-requirements attribute instead. */
  customerMarketplaceIntent?: Opt<string>;
  statusReason?: Opt<string>;
  type?: Opt<string>;
  qualification?: Opt<string>;
  direction?: Opt<string>;
  target?: Opt<readonly { type?: Opt<string>; id?: Opt<string> }[]>;
  customerProfile?: Opt<ReferralCustomerProfileInput>;
  consent?: Opt<{
    consentToToShareInfoWithOthers?: Opt<boolean>;
    consentToContact?: Opt<boolean>;
    consentToShareReferralWithMicrosoftSellers?: Opt<boolean>;
  }>;
  details?: Opt<ReferralDetailsInput>;
  team?: Opt<readonly ReferralMemberInput[]>;
  inviteContext?: Opt<{
    notes?: Opt<string>;
    assistanceRequestCode?: Opt<string>;
    invitedBy?: Opt<{ organizationId?: Opt<string>; organizationName?: Opt<string> }>;
  }>;
  /** Wire form `{ self: { uri, method } }`; a client that already flattened links may pass the URI strings. */
  links?: Opt<{ self?: Opt<ReferralLinkInput>; relatedReferrals?: Opt<ReferralLinkInput> }>;
  trackingInfo?: Opt<{ microsoftMsxId?: Opt<string> }>;
}
