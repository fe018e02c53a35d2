/** Partner Center's referral rules: the status/substatus table (spec §2) and create validation (spec §1.7–1.8). */
import { type CoSellRuleSettings, checkCoSellShape } from './coSellRules.ts';

export type JsonObject = { [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value as an object, or null when it is not one. */
function objectAt(value: unknown): JsonObject | null {
  return isJsonObject(value) ? value : null;
}

/** The value as an object, or an empty one when it is not one (for reading nested optional fields). */
export function asJsonObject(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

export const REFERRAL_STATUSES = ['New', 'Active', 'Closed'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/** Joint Planning leads have two more Active substatuses to complete before Won (or conversion). */
export const JOINT_PLANNING_SUBSTATUSES = ['Qualify', 'Evaluate'] as const;
export const JOINT_PLANNING_PROGRAM = 'JointPlanning';

/** True for a Joint Planning lead (`referralProgram: JointPlanning` in the emulator). */
export function isJointPlanningLead(referral: JsonObject): boolean {
  return referral['referralProgram'] === JOINT_PLANNING_PROGRAM;
}

/** For each status: the statuses it may move to and the substatuses allowed with it. */
export const STATUS_TABLE: Record<
  ReferralStatus,
  { next: readonly ReferralStatus[]; substatuses: readonly string[] }
> = {
  New: { next: ['New', 'Active', 'Closed'], substatuses: ['Pending', 'Received'] },
  Active: { next: ['Active', 'Closed'], substatuses: ['Accepted'] },
  Closed: { next: ['Closed'], substatuses: ['Won', 'Lost', 'Declined', 'Expired'] },
};

export const ASSISTANCE_REQUEST_CODES = [
  'WorkloadSpecificValueProposition',
  'CustomerTechnicalArchitecture',
  'ProofOfConceptOrDemo',
  'QuotesOrLicensing',
  'PostSalesCustomerSuccess',
  'GeneralOrOther',
  'Unknown',
] as const;

export interface RuleViolation {
  message: string;
  target: string;
}

function isStatus(value: unknown): value is ReferralStatus {
  return typeof value === 'string' && (REFERRAL_STATUSES as readonly string[]).includes(value);
}

/** Checks a status/substatus pair and the move from the previous pair (null when creating). */
export function checkStatusChange(
  before: { status: unknown; substatus: unknown } | null,
  after: { status: unknown; substatus: unknown },
  options: { jointPlanning?: boolean } = {},
): RuleViolation | null {
  if (!isStatus(after.status)) {
    return {
      target: 'status',
      message: `Status '${String(after.status)}' is not valid. Use New, Active or Closed.`,
    };
  }
  const row = STATUS_TABLE[after.status];
  const substatuses =
    options.jointPlanning && after.status === 'Active'
      ? [...row.substatuses, ...JOINT_PLANNING_SUBSTATUSES]
      : row.substatuses;
  if (typeof after.substatus !== 'string' || !substatuses.includes(after.substatus)) {
    return {
      target: 'substatus',
      message: `Substatus '${String(after.substatus)}' is not allowed with status ${after.status}. Allowed: ${substatuses.join(', ')}.`,
    };
  }
  if (!before) return null;
  if (before.status === 'Closed') {
    const same = before.substatus === after.substatus && after.status === 'Closed';
    if (!same) {
      return {
        target: 'status',
        message: `The referral is Closed (${String(before.substatus)}); closed referrals cannot be changed. Create a new referral instead.`,
      };
    }
    return null;
  }
  if (isStatus(before.status) && !STATUS_TABLE[before.status].next.includes(after.status)) {
    return {
      target: 'status',
      message: `A referral cannot move from ${before.status} to ${after.status}. Allowed next statuses: ${STATUS_TABLE[before.status].next.join(', ')}.`,
    };
  }
  return null;
}

export function helpRequested(referral: JsonObject): boolean {
  const code = objectAt(referral['inviteContext'])?.['assistanceRequestCode'];
  return typeof code === 'string' && code !== '' && code !== 'Unknown';
}

/** Validates a create body as the Referrals API does; returns every problem found. */
export function validateNewReferral(body: JsonObject, settings: CoSellRuleSettings): RuleViolation[] {
  const problems: RuleViolation[] = [];
  if (body['type'] !== 'Independent' && body['type'] !== 'Shared') {
    problems.push({
      target: 'type',
      message: "The 'type' field is required and must be Independent or Shared.",
    });
  }
  const customer = objectAt(body['customerProfile']);
  if (!customer) {
    problems.push({ target: 'customerProfile', message: "The 'customerProfile' field is required." });
  } else {
    const country = objectAt(customer['address'])?.['country'];
    if (typeof country !== 'string' || !/^[A-Za-z]{2}$/.test(country)) {
      problems.push({
        target: 'customerProfile.address.country',
        message:
          'customerProfile.address.country is required and must be a 2-letter ISO-3166 code such as US.',
      });
    }
    if (typeof customer['name'] !== 'string' || customer['name'].trim() === '') {
      problems.push({
        target: 'customerProfile.name',
        message: 'customerProfile.name (the customer company name) is required.',
      });
    }
  }
  if (!objectAt(body['consent']))
    problems.push({ target: 'consent', message: "The 'consent' field is required." });
  const details = objectAt(body['details']);
  if (!details) problems.push({ target: 'details', message: "The 'details' field is required." });
  const code = objectAt(body['inviteContext'])?.['assistanceRequestCode'];
  if (
    code !== undefined &&
    code !== null &&
    !(ASSISTANCE_REQUEST_CODES as readonly unknown[]).includes(code)
  ) {
    problems.push({
      target: 'inviteContext.assistanceRequestCode',
      message: `assistanceRequestCode '${String(code)}' is not valid. Use one of ${ASSISTANCE_REQUEST_CODES.join(', ')}.`,
    });
  }
  problems.push(...checkCoSellShape(body, settings));
  if (body['type'] === 'Shared' && helpRequested(body)) {
    const contacts = customer?.['team'];
    if (!Array.isArray(contacts) || contacts.length === 0) {
      problems.push({
        target: 'customerProfile.team',
        message:
          'A co-sell referral that asks Microsoft for help needs at least one customer contact in customerProfile.team.',
      });
    }
  }
  return problems;
}
