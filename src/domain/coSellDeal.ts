/**
 * The canonical co-sell deal: one shape for a Partner Center referral and a Salesforce opportunity,
 * so both sides can be compared field by field and merged against the last agreed state (the base).
 *
 * Only `mapping/*` converts between this type and the wire shapes (`ReferralInput`, `SalesforceDealSnapshot`).
 */

/** Referral status (spec §2). */
export const referralStatuses = ['New', 'Active', 'Closed'] as const;
export type ReferralStatus = (typeof referralStatuses)[number];

/** A value that is usually one of `Known` but may be one Microsoft adds later; it is kept as received. */
export type OpenValue<Known extends string> = Known | (string & {});

/** Referral substatus (spec §2). */
export const referralSubstatuses = [
  'Pending',
  'Received',
  'Accepted',
  'Won',
  'Lost',
  'Declined',
  'Expired',
] as const;
export type ReferralSubstatus = (typeof referralSubstatuses)[number];

/** `Independent` (private or partner-led) or `Shared` (co-sell with Microsoft). */
export const referralTypes = ['Independent', 'Shared'] as const;
export type ReferralType = (typeof referralTypes)[number];

export const referralDirections = ['Incoming', 'Outgoing'] as const;
export type ReferralDirection = (typeof referralDirections)[number];

export const referralQualifications = ['None', 'Direct', 'MarketingQualified', 'SalesQualified'] as const;
export type ReferralQualification = (typeof referralQualifications)[number];

/**
 * What kind of referral this is (spec §1.7 categories table):
 * `marketplaceLead` (Independent + Direct), `lead` (Independent + Marketing/SalesQualified, invited by Microsoft),
 * `coSell` (everything else: co-sell opportunities, yours or shared with you).
 */
export const dealCategories = ['coSell', 'lead', 'marketplaceLead'] as const;
export type DealCategory = (typeof dealCategories)[number];

/** The six "How can Microsoft help?" codes. `null` on a deal means no help requested (wire `Unknown`). */
export const assistanceRequestCodes = [
  'WorkloadSpecificValueProposition',
  'CustomerTechnicalArchitecture',
  'ProofOfConceptOrDemo',
  'QuotesOrLicensing',
  'PostSalesCustomerSuccess',
  'GeneralOrOther',
] as const;
export type AssistanceRequestCode = (typeof assistanceRequestCodes)[number];

/** Customer marketplace purchase intent values (Partner Center `CustomerMarketplaceIntent` attribute). */
export const customerMarketplaceIntents = ['Yes', 'No', 'HaveNotDecided'] as const;
export type CustomerMarketplaceIntent = (typeof customerMarketplaceIntents)[number];

/** The end customer (Partner Center `customerProfile`, Salesforce Account). */
export interface DealCustomer {
  name: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  /** ISO-3166 alpha-2 when recognised; an unrecognised raw value is kept so validation can name it. */
  country: string | null;
  /** Partner Center size enum string, e.g. `51to250employees`. */
  size: string | null;
  duns: string | null;
}

/** A customer contact (Partner Center `customerProfile.team[]`, Salesforce Contact + OpportunityContactRole). */
export interface CustomerContact {
  firstName: string | null;
  lastName: string | null;
  /** The key of the contact set (compared lower-cased). */
  email: string;
  phone: string | null;
  title: string | null;
}

/** A Microsoft solution on the deal (`details.requirements.solutions[]`, `Microsoft_Solution__c`). Keyed by `id`. */
export interface DealSolution {
  id: string;
  name: string | null;
  publisher: string | null;
}

/** A partner seller (Partner Center `team[]`, Salesforce OpportunityTeamMember's user). Keyed by lower-cased email. */
export interface PartnerTeamMember {
  firstName: string | null;
  lastName: string | null;
  email: string;
  phone: string | null;
}

/** The canonical deal. Every field is a plain JSON value so a deal can be stored as the base snapshot. */
export interface CoSellDeal {
  name: string;
  dealValue: number | null;
  /** ISO-4217 code. */
  currency: string | null;
  /** Calendar date `YYYY-MM-DD`. */
  closingDate: string | null;
  notes: string | null;
  /**
   * Partner Center's status and substatus. Usually a known pair of the status table; a value Microsoft added later
   * (e.g. Joint Planning's `Qualify` / `Evaluate` substatus) is kept as received, shown and mapped to a stage by the
   * mapping's `stages.statusStages`, and never sent back unless it is a known pair.
   */
  status: OpenValue<ReferralStatus>;
  substatus: OpenValue<ReferralSubstatus>;
  statusReason: string | null;
  type: ReferralType;
  direction: ReferralDirection | null;
  qualification: ReferralQualification | null;
  category: DealCategory;
  /** `null` = no help requested. */
  assistanceRequestCode: AssistanceRequestCode | null;
  shareWithMicrosoftSellers: boolean;
  /** Services co-sell: the partner's role (wire `partnerRole`), a value of the taxonomy. */
  partnerRole: string | null;
  /** Services co-sell: the solution area (wire `solutionArea`), a value of the taxonomy. */
  solutionArea: string | null;
  /** Services co-sell: the solution play within the area (wire `solutionPlay`), a value of the taxonomy. */
  solutionPlay: string | null;
  /** Whether the customer intends to buy through the Microsoft marketplace (`Yes`, `No`, `HaveNotDecided`). */
  customerMarketplaceIntent: OpenValue<CustomerMarketplaceIntent> | null;
  /** `YYYY-MM-DD` by which a new inbound referral (e.g. a Joint Planning lead) must be accepted, else it expires. */
  acceptByDate: string | null;
  /** `YYYY-MM-DD` by which an accepted Joint Planning lead must be acted on, else it closes as lost. */
  actByDate: string | null;
  referralId: string | null;
  referralLink: string | null;
  engagementId: string | null;
  /** Partner Center `externalReferenceId`: the Salesforce opportunity id. */
  externalReferenceId: string | null;
  /** `trackingInfo.microsoftMsxId`: Microsoft's CRM opportunity id. */
  microsoftCrmId: string | null;
  /** `inviteContext.notes`: what Microsoft (or the inviting partner) wrote when sharing. */
  inviteNotes: string | null;
  /** Status of the related Microsoft referral in the same engagement, as `Status/Substatus`. */
  microsoftStatus: string | null;
  /** `null` when this side has no customer record (e.g. an opportunity without an account). */
  customer: DealCustomer | null;
  customerContacts: CustomerContact[];
  solutions: DealSolution[];
  partnerTeam: PartnerTeamMember[];
}

/** A field of the deal: the unit of merge, of change lists and of mapping entries. */
export type DealField = keyof CoSellDeal;

/** The child collections, merged as keyed sets. */
export const dealCollections = ['customerContacts', 'solutions', 'partnerTeam'] as const;
export type DealCollection = (typeof dealCollections)[number];

/** All deal fields, in a stable order (used for iteration, audit text and tests). */
export const dealFields = [
  'name',
  'dealValue',
  'currency',
  'closingDate',
  'notes',
  'status',
  'substatus',
  'statusReason',
  'type',
  'direction',
  'qualification',
  'category',
  'assistanceRequestCode',
  'shareWithMicrosoftSellers',
  'partnerRole',
  'solutionArea',
  'solutionPlay',
  'customerMarketplaceIntent',
  'acceptByDate',
  'actByDate',
  'referralId',
  'referralLink',
  'engagementId',
  'externalReferenceId',
  'microsoftCrmId',
  'inviteNotes',
  'microsoftStatus',
  'customer',
  'customerContacts',
  'solutions',
  'partnerTeam',
] as const satisfies readonly DealField[];

/** One field that must change on a side: `before` is that side's current value, `after` the value to write. */
export type FieldChange = {
  [K in DealField]: { field: K; before: CoSellDeal[K]; after: CoSellDeal[K] };
}[DealField];

/** `Status/Substatus`, the text written to Salesforce's status field, e.g. `Active/Accepted`. */
export const statusText = (status: string, substatus: string): string => `${status}/${substatus}`;

/** The Partner Center referral type a deal implies: Shared when help is requested or it is shared with Microsoft sellers. */
export const referralTypeFor = (
  deal: Pick<CoSellDeal, 'assistanceRequestCode' | 'shareWithMicrosoftSellers'>,
) => (deal.assistanceRequestCode !== null || deal.shareWithMicrosoftSellers ? 'Shared' : 'Independent');

/** Key of a contact or team member: the trimmed, lower-cased email. */
export const emailKey = (email: string): string => email.trim().toLowerCase();

/** An empty customer (all fields null). */
export const emptyCustomer = (): DealCustomer => ({
  name: null,
  addressLine1: null,
  addressLine2: null,
  city: null,
  state: null,
  postalCode: null,
  country: null,
  size: null,
  duns: null,
});
