/**
 * Wire types for the Partner Center Referrals API (`/v1.0/engagements/referrals`), validated leniently:
 * real payloads carry explicit nulls, extra fields, `team` as a single object, HTML-encoded names,
 * quoted eTags, 7-digit fractional timestamps and deal values as strings. `parseReferral` turns any
 * such payload into a typed, normalised `PcReferral`; it fails only when there is no referral id.
 */
import { z } from 'zod';
import {
  lenientArray,
  lenientBoolean,
  lenientNumber,
  lenientObject,
  lenientString,
  lenientText,
  lenientTimestamp,
} from './lenientSchemas.ts';

/** A string that is usually one of the known values but may be a new one Microsoft adds later. */
export type OpenString<Known extends string> = Known | (string & {});

export const PC_STATUSES = ['New', 'Active', 'Closed', 'None'] as const;
export type PcStatus = (typeof PC_STATUSES)[number];
export const PC_SUBSTATUSES = [
  'Pending',
  'Received',
  'Accepted',
  'Won',
  'Lost',
  'Declined',
  'Expired',
  'None',
] as const;
export type PcSubstatus = (typeof PC_SUBSTATUSES)[number];
export const PC_ASSISTANCE_REQUEST_CODES = [
  'WorkloadSpecificValueProposition',
  'CustomerTechnicalArchitecture',
  'ProofOfConceptOrDemo',
  'QuotesOrLicensing',
  'PostSalesCustomerSuccess',
  'GeneralOrOther',
  'Unknown',
] as const;
export type PcAssistanceRequestCode = (typeof PC_ASSISTANCE_REQUEST_CODES)[number];

// z.object strips keys it does not name and never fails on them; the untouched payload stays in `raw`.
const memberSchema = z.object({
  firstName: lenientText,
  lastName: lenientText,
  email: lenientString,
  phoneNumber: lenientString,
  title: lenientText,
});
export type PcMember = z.output<typeof memberSchema>;

const upperCaseCode = lenientString.transform((value) =>
  value === null ? null : value.trim().toUpperCase(),
);

const addressSchema = z.object({
  addressLine1: lenientText,
  addressLine2: lenientText,
  city: lenientText,
  state: lenientText,
  postalCode: lenientString,
  /** ISO-3166 alpha-2, upper-cased. */
  country: upperCaseCode,
  region: lenientString,
});
export type PcAddress = z.output<typeof addressSchema>;

const profileIdSchema = z.object({ profileType: lenientString, id: lenientString });

const customerProfileSchema = z
  .object({
    name: lenientText,
    size: lenientString.transform((size) => (size === '' ? null : size)),
    isMatchingComplete: lenientBoolean,
    address: lenientObject(addressSchema),
    team: lenientArray(memberSchema),
    ids: lenientArray(profileIdSchema),
  })
  .transform((profile) => ({
    ...profile,
    /** The customer's DUNS number when Partner Center has one. */
    duns: profile.ids.find((entry) => entry.profileType?.toLowerCase() === 'duns')?.id ?? null,
  }));
export type PcCustomerProfile = z.output<typeof customerProfileSchema>;

const consentSchema = z.object({
  consentToToShareInfoWithOthers: lenientBoolean,
  consentToContact: lenientBoolean,
  consentToShareReferralWithMicrosoftSellers: lenientBoolean,
});
export type PcConsent = z.output<typeof consentSchema>;

const solutionSchema = z.object({
  id: lenientString,
  name: lenientText,
  type: lenientString,
  publisherName: lenientText,
  solutionType: lenientString,
  price: lenientNumber,
  quantity: lenientNumber,
  currency: upperCaseCode,
});
export type PcSolution = z.output<typeof solutionSchema>;

const idListSchema = lenientArray(z.object({ id: lenientString })).transform((items) =>
  items.flatMap((item) => (item.id === null ? [] : [item.id])),
);

/** `additionalRequirements.attributes[]`, e.g. `{ id: 'HaveNotDecided', type: 'CustomerMarketplaceIntent' }`. */
const attributeSchema = z.object({ id: lenientString, type: lenientString });
export type PcAttribute = z.output<typeof attributeSchema>;

const additionalRequirementsSchema = z.object({ attributes: lenientArray(attributeSchema) });

const requirementsSchema = z.object({
  solutions: lenientArray(solutionSchema),
  additionalRequirements: lenientObject(additionalRequirementsSchema),
  industries: idListSchema,
  products: idListSchema,
  services: idListSchema,
});

const detailsSchema = z.object({
  notes: lenientString,
  dealValue: lenientNumber,
  currency: upperCaseCode,
  closingDateTime: lenientTimestamp,
  customerRequestedContact: lenientBoolean,
  requirements: lenientObject(requirementsSchema),
});
export type PcDetails = z.output<typeof detailsSchema>;

const inviteContextSchema = z.object({
  notes: lenientString,
  assistanceRequestCode: lenientString.transform(
    (code) => code as OpenString<PcAssistanceRequestCode> | null,
  ),
  invitedMpnId: lenientString,
  invitedBy: lenientObject(z.object({ organizationId: lenientString, organizationName: lenientText })),
});
export type PcInviteContext = z.output<typeof inviteContextSchema>;

const linkSchema = z
  .unknown()
  .optional()
  .transform((value): string | null => {
    const uri = (value as { uri?: unknown } | null | undefined)?.uri;
    return typeof uri === 'string' ? uri : null;
  });

const trackingInfoSchema = z.object({
  microsoftMsxId: lenientString,
  microsoftUSFedOpportunityId: lenientString,
});

const targetSchema = z.object({ type: lenientString, id: lenientString });

const tagsSchema = lenientArray(lenientString).transform((tags) =>
  tags.filter((tag): tag is string => tag !== null),
);

export const referralWireSchema = z.object({
  id: lenientString.pipe(z.string({ error: 'the referral has no id' }).min(1, 'the referral has no id')),
  engagementId: lenientString,
  name: lenientText,
  organizationId: lenientString,
  organizationName: lenientText,
  externalReferenceId: lenientString,
  createdDateTime: lenientTimestamp,
  updatedDateTime: lenientTimestamp,
  expirationDateTime: lenientTimestamp,
  acceptedDateTime: lenientTimestamp,
  closedDateTime: lenientTimestamp,
  status: lenientString,
  substatus: lenientString,
  statusReason: lenientString,
  type: lenientString,
  qualification: lenientString,
  direction: lenientString,
  salesStage: lenientString,
  partnerRole: lenientString,
  solutionArea: lenientString,
  solutionPlay: lenientString,
  customerMarketplaceIntent: lenientString,
  referralProgram: lenientString,
  eTag: lenientString,
  customerProfile: lenientObject(customerProfileSchema),
  consent: lenientObject(consentSchema),
  details: lenientObject(detailsSchema),
  team: lenientArray(memberSchema),
  inviteContext: lenientObject(inviteContextSchema),
  target: lenientArray(targetSchema),
  links: lenientObject(z.object({ self: linkSchema, relatedReferrals: linkSchema })),
  trackingInfo: lenientObject(trackingInfoSchema),
  tags: tagsSchema,
});

/** A referral as read from Partner Center, normalised. `raw` is the payload exactly as received. */
export interface PcReferral {
  id: string;
  engagementId: string | null;
  name: string | null;
  organizationId: string | null;
  organizationName: string | null;
  /** Our CRM id (the Salesforce opportunity id) when we created the referral. */
  externalReferenceId: string | null;
  createdDateTime: string | null;
  updatedDateTime: string | null;
  expirationDateTime: string | null;
  acceptedDateTime: string | null;
  closedDateTime: string | null;
  status: OpenString<PcStatus> | null;
  substatus: OpenString<PcSubstatus> | null;
  statusReason: string | null;
  type: string | null;
  qualification: string | null;
  direction: string | null;
  salesStage: string | null;
  /** Services co-sell fields; any string is kept (the taxonomy changes every fiscal year). */
  partnerRole: string | null;
  solutionArea: string | null;
  solutionPlay: string | null;
  /** Listed on the resource page; the create sample carries it as an additional-requirements attribute instead. */
  customerMarketplaceIntent: string | null;
  referralProgram: string | null;
  /** The entity tag exactly as Partner Center gives it (quotes included); send it back in If-Match. */
  eTag: string | null;
  customerProfile: PcCustomerProfile;
  consent: PcConsent;
  details: PcDetails;
  team: PcMember[];
  inviteContext: PcInviteContext;
  target: { type: string | null; id: string | null }[];
  links: { self: string | null; relatedReferrals: string | null };
  trackingInfo: { microsoftMsxId: string | null; microsoftUSFedOpportunityId: string | null };
  tags: string[];
  raw: Record<string, unknown>;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export type ReferralParseResult = Parsed<PcReferral>;

/** A referral payload through a schema. Never throws; fails only when the payload is not an object with an id. */
function parseWith<T>(schema: z.ZodType<T>, payload: unknown): Parsed<T> {
  const invalid = (message: string): Parsed<T> => ({
    ok: false,
    error: { code: 'invalid_referral', message },
  });
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    return invalid('Partner Center returned a referral that is not a JSON object.');
  const parsed = schema.safeParse(payload);
  if (!parsed.success)
    return invalid(`Partner Center returned an unreadable referral: ${z.prettifyError(parsed.error)}`);
  return { ok: true, value: parsed.data };
}

/** Normalises one referral payload. Never throws; fails only when the payload is not an object with an id. */
export function parseReferral(payload: unknown): ReferralParseResult {
  const parsed = parseWith(referralWireSchema, payload);
  if (!parsed.ok) return parsed;
  return { ok: true, value: { ...parsed.value, raw: payload as Record<string, unknown> } };
}

/** What a write's answer is read for: which version of the referral the write made. */
export interface ReferralVersion {
  id: string;
  eTag: string | null;
  engagementId: string | null;
  updatedDateTime: string | null;
}

const referralVersionSchema = referralWireSchema.pick({
  id: true,
  eTag: true,
  engagementId: true,
  updatedDateTime: true,
});

/**
 * The version a write's answer reports, read without normalising the whole referral (the writer already holds
 * what it sent; the next read plans from the whole referral). Never throws; fails like parseReferral.
 */
export function parseReferralVersion(payload: unknown): Parsed<ReferralVersion> {
  return parseWith(referralVersionSchema, payload);
}

/** The If-Match header value for an eTag: Partner Center's quoted form, quoting a bare value. */
export function toIfMatch(eTag: string): string {
  const trimmed = eTag.trim();
  return trimmed.startsWith('"') || trimmed.startsWith('W/"') ? trimmed : `"${trimmed}"`;
}
