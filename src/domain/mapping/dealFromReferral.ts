import {
  type AssistanceRequestCode,
  assistanceRequestCodes,
  type CoSellDeal,
  type CustomerContact,
  type DealCategory,
  type DealCustomer,
  type DealSolution,
  emailKey,
  type PartnerTeamMember,
  referralDirections,
  referralQualifications,
  referralStatuses,
  referralSubstatuses,
  referralTypes,
  statusText,
} from '../coSellDeal.ts';
import type { ReferralInput, ReferralLinkInput, ReferralMemberInput } from '../referralInput.ts';
import { allowedSubstatuses, isReferralStatus } from '../referralStatus.ts';
import { wireValueOf } from '../referralTaxonomy.ts';
import type { Mapping } from './mappingSchema.ts';
import {
  addDays,
  currencyOrNull,
  dateOnly,
  enumOrNull,
  numberOrNull,
  textOrNull,
  uniqueByKey,
} from './normalise.ts';
import { toCountryCode } from './toCountryCode.ts';

/** Microsoft's organization id on referrals (`inviteContext.invitedBy.organizationId`, related referrals). */
export const microsoftOrganizationId = 'msft';

/**
 * The status pair from wire values. Known values get their canonical spelling; a value Microsoft added later
 * (a new status, or a substatus such as Joint Planning's `Qualify`) is kept as received. A missing status is New;
 * a missing substatus, or a known one that belongs to another status, becomes the status's first substatus.
 */
function statusPairOf(referral: ReferralInput): Pick<CoSellDeal, 'status' | 'substatus'> {
  const rawStatus = textOrNull(referral.status);
  const status: CoSellDeal['status'] = enumOrNull(rawStatus, referralStatuses) ?? rawStatus ?? 'New';
  const rawSubstatus = textOrNull(referral.substatus);
  const known = enumOrNull(rawSubstatus, referralSubstatuses);
  if (!isReferralStatus(status)) return { status, substatus: known ?? rawSubstatus ?? 'None' };
  const allowed = allowedSubstatuses[status];
  if (known !== null) return { status, substatus: allowed.includes(known) ? known : allowed[0]! };
  return { status, substatus: rawSubstatus ?? allowed[0]! };
}

/** Joint Planning leads must be acted on within 60 days of acceptance, else they close as lost. */
const ACT_WITHIN_DAYS = 60;

/**
 * The deadlines Partner Center applies: a New referral must be accepted by its `expirationDateTime`; an accepted
 * lead (Joint Planning) closes as lost at its `expirationDateTime`, or 60 days after acceptance when it carries none.
 */
function deadlinesOf(
  referral: ReferralInput,
  status: CoSellDeal['status'],
  category: DealCategory,
): Pick<CoSellDeal, 'acceptByDate' | 'actByDate'> {
  const expires = dateOnly(referral.expirationDateTime);
  if (status === 'New') return { acceptByDate: expires, actByDate: null };
  if (status !== 'Active' || category !== 'lead') return { acceptByDate: null, actByDate: null };
  const accepted = dateOnly(referral.acceptedDateTime);
  const fallback = category === 'lead' && accepted !== null ? addDays(accepted, ACT_WITHIN_DAYS) : null;
  return { acceptByDate: null, actByDate: expires ?? fallback };
}

/** The customer's marketplace purchase intent: the top-level field, else the additional-requirements attribute. */
function marketplaceIntentOf(referral: ReferralInput): string | null {
  const attribute = (referral.details?.requirements?.additionalRequirements?.attributes ?? []).find(
    (item) => item.type?.toLowerCase() === 'customermarketplaceintent',
  );
  return textOrNull(referral.customerMarketplaceIntent) ?? textOrNull(attribute?.id);
}

const linkUri = (link: ReferralLinkInput | null | undefined): string | null =>
  textOrNull(typeof link === 'string' ? link : link?.uri);

/** Normalise a country to alpha-2; an unrecognised value is kept as written so validation can name it. */
export function normaliseCountry(value: unknown): string | null {
  const text = textOrNull(value);
  if (text === null) return null;
  const code = toCountryCode(text);
  return code.ok ? code.value : text;
}

/** The spec §1.7 category of a referral. */
export function categoryOf(referral: ReferralInput): DealCategory {
  const type = enumOrNull(referral.type, referralTypes);
  const qualification = enumOrNull(referral.qualification, referralQualifications);
  const invitedBy = textOrNull(referral.inviteContext?.invitedBy?.organizationId);
  if (
    type === 'Independent' &&
    qualification === 'Direct' &&
    (invitedBy === null || invitedBy === microsoftOrganizationId)
  ) {
    return 'marketplaceLead';
  }
  if (
    type === 'Independent' &&
    (qualification === 'SalesQualified' || qualification === 'MarketingQualified') &&
    invitedBy === microsoftOrganizationId
  ) {
    return 'lead';
  }
  return 'coSell';
}

/** Microsoft's own referral in an engagement (owner or target `msft`): Microsoft's side, never the partner's deal. */
export const isMicrosoftReferral = (referral: ReferralInput): boolean =>
  referral.organizationId === microsoftOrganizationId ||
  (referral.target ?? []).some(
    (target) => target.type === 'BusinessProfileLocation' && target.id === microsoftOrganizationId,
  );

const contactOf = (member: ReferralMemberInput): CustomerContact | null => {
  const email = textOrNull(member.email);
  if (email === null) return null;
  return {
    firstName: textOrNull(member.firstName),
    lastName: textOrNull(member.lastName),
    email: emailKey(email),
    phone: textOrNull(member.phoneNumber),
    title: textOrNull(member.title),
  };
};

/** Build the customer from `customerProfile` (DUNS from `ids[profileType=Duns]`). */
function customerOf(referral: ReferralInput): DealCustomer {
  const profile = referral.customerProfile;
  const address = profile?.address;
  const duns = (profile?.ids ?? []).find((entry) => entry.profileType?.toLowerCase() === 'duns');
  return {
    name: textOrNull(profile?.name),
    addressLine1: textOrNull(address?.addressLine1),
    addressLine2: textOrNull(address?.addressLine2),
    city: textOrNull(address?.city),
    state: textOrNull(address?.state),
    postalCode: textOrNull(address?.postalCode),
    country: normaliseCountry(address?.country),
    size: textOrNull(profile?.size),
    duns: textOrNull(duns?.id),
  };
}

/**
 * The canonical deal for a Partner Center referral. Lenient: unknown enum values fall back to safe defaults,
 * emails are lower-cased, collections are de-duplicated by key and sorted, the country becomes alpha-2 when
 * recognised. `relatedReferrals` (same engagement) supplies the Microsoft-side status.
 */
export function dealFromReferral(
  referral: ReferralInput,
  mapping: Mapping,
  options: { relatedReferrals?: readonly ReferralInput[] } = {},
): CoSellDeal {
  const details = referral.details;
  const microsoft = (options.relatedReferrals ?? []).find(
    (related) => related.id !== referral.id && isMicrosoftReferral(related),
  );
  const microsoftStatus = microsoft ? statusPairOf(microsoft) : null;
  const assistance = enumOrNull(referral.inviteContext?.assistanceRequestCode, assistanceRequestCodes);
  const solutions = (details?.requirements?.solutions ?? []).map((solution): DealSolution | null => {
    const id = textOrNull(solution.id);
    return id === null
      ? null
      : { id, name: textOrNull(solution.name), publisher: textOrNull(solution.publisherName) };
  });
  const partnerTeam = (referral.team ?? []).map((member): PartnerTeamMember | null => {
    const contact = contactOf(member);
    return contact === null
      ? null
      : {
          firstName: contact.firstName,
          lastName: contact.lastName,
          email: contact.email,
          phone: contact.phone,
        };
  });
  const taxonomy = mapping.taxonomy;
  const fromTaxonomy = (list: Parameters<typeof wireValueOf>[0], value: unknown): string | null => {
    const text = textOrNull(value);
    return text === null ? null : wireValueOf(list, text);
  };
  const statusPair = statusPairOf(referral);
  const category = categoryOf(referral);
  return {
    name: textOrNull(referral.name) ?? '',
    dealValue: numberOrNull(details?.dealValue),
    currency: currencyOrNull(details?.currency),
    closingDate: dateOnly(details?.closingDateTime),
    notes: textOrNull(details?.notes),
    ...statusPair,
    statusReason: textOrNull(referral.statusReason),
    type: enumOrNull(referral.type, referralTypes) ?? 'Independent',
    direction: enumOrNull(referral.direction, referralDirections),
    qualification: enumOrNull(referral.qualification, referralQualifications),
    category,
    assistanceRequestCode: assistance satisfies AssistanceRequestCode | null,
    shareWithMicrosoftSellers: referral.consent?.consentToShareReferralWithMicrosoftSellers === true,
    partnerRole: fromTaxonomy(taxonomy.partnerRoles, referral.partnerRole),
    solutionArea: fromTaxonomy(taxonomy.solutionAreas, referral.solutionArea),
    solutionPlay: fromTaxonomy(
      taxonomy.solutionAreas.flatMap((area) => area.solutionPlays),
      referral.solutionPlay,
    ),
    customerMarketplaceIntent: fromTaxonomy(
      taxonomy.customerMarketplaceIntents,
      marketplaceIntentOf(referral),
    ),
    ...deadlinesOf(referral, statusPair.status, category),
    referralId: textOrNull(referral.id),
    referralLink: linkUri(referral.links?.self),
    engagementId: textOrNull(referral.engagementId),
    externalReferenceId: textOrNull(referral.externalReferenceId),
    microsoftCrmId: textOrNull(referral.trackingInfo?.microsoftMsxId),
    inviteNotes: textOrNull(referral.inviteContext?.notes),
    microsoftStatus: microsoftStatus ? statusText(microsoftStatus.status, microsoftStatus.substatus) : null,
    customer: customerOf(referral),
    customerContacts: uniqueByKey(
      (referral.customerProfile?.team ?? []).map(contactOf).filter((contact) => contact !== null),
      (contact) => contact.email,
    ),
    solutions: uniqueByKey(
      solutions.filter((solution) => solution !== null),
      (solution) => solution.id,
    ),
    partnerTeam: uniqueByKey(
      partnerTeam.filter((member) => member !== null),
      (member) => member.email,
    ),
  };
}
