/**
 * The co-sell shape rules Partner Center applies to a partner's referrals (spec 2026 review #4, #8, #9), as
 * switches a test or demo sets per tenant: Services partner (partnerRole / solutionArea / solutionPlay required on
 * co-sell), marketplace intent required on co-sell, and the partner's co-sell-ready solutions.
 */
import { z } from 'zod';
import {
  defaultTaxonomy,
  findEntry,
  type ReferralTaxonomy,
  referralTaxonomySchema,
  type TaxonomyEntry,
} from '../../src/domain/referralTaxonomy.ts';
import { asJsonObject, helpRequested, type JsonObject, type RuleViolation } from './referralRules.ts';

export const coSellRuleSettingsSchema = z.strictObject({
  /** `Services`: co-sell referrals need partnerRole, solutionArea and solutionPlay from the taxonomy. */
  partnerProgram: z.enum(['ISV', 'Services']).default('ISV'),
  /** Co-sell referrals need the customer's marketplace purchase intent. */
  requireMarketplaceIntent: z.boolean().default(false),
  /** The partner's co-sell-ready solution ids; null accepts any id (default). */
  coSellReadySolutions: z.array(z.string().min(1)).nullable().default(null),
  /** Microsoft's taxonomy the values are checked against (default: the FY26 list). */
  taxonomy: referralTaxonomySchema.default(defaultTaxonomy),
});
export type CoSellRuleSettings = z.output<typeof coSellRuleSettingsSchema>;
export type CoSellRuleSettingsInput = z.input<typeof coSellRuleSettingsSchema>;

const MARKETPLACE_INTENT = 'customermarketplaceintent';

/** The marketplace intent of a referral body: the top-level field or the additional-requirements attribute. */
export function marketplaceIntentOf(referral: JsonObject): unknown {
  if (referral['customerMarketplaceIntent'] !== undefined && referral['customerMarketplaceIntent'] !== null)
    return referral['customerMarketplaceIntent'];
  const requirements = asJsonObject(asJsonObject(referral['details'])['requirements']);
  const attributes = asJsonObject(requirements['additionalRequirements'])['attributes'];
  if (!Array.isArray(attributes)) return undefined;
  const attribute = attributes
    .map(asJsonObject)
    .find((item) => String(item['type'] ?? '').toLowerCase() === MARKETPLACE_INTENT);
  return attribute?.['id'];
}

/** True when Microsoft sellers can see the referral: shared consent or type Shared. */
export function isSharedWithMicrosoft(referral: JsonObject): boolean {
  return (
    referral['type'] === 'Shared' ||
    asJsonObject(referral['consent'])['consentToShareReferralWithMicrosoftSellers'] === true
  );
}

const values = (list: readonly TaxonomyEntry[]) => list.map((item) => item.value).join(', ');

function checkValue(
  problems: RuleViolation[],
  field: string,
  value: unknown,
  list: readonly TaxonomyEntry[],
  required: boolean,
  why: string,
): TaxonomyEntry | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) {
      problems.push({ target: field, message: `${field} is required ${why}. Use one of ${values(list)}.` });
    }
    return undefined;
  }
  const found = typeof value === 'string' ? findEntry(list, value) : undefined;
  if (!found || found.value !== value) {
    problems.push({
      target: field,
      message: `${field} '${String(value)}' is not valid. Use one of ${values(list)}.`,
    });
  }
  return found;
}

/** A change that starts sharing a referral with Microsoft sellers needs a solution like a shared create does. */
export function checkShareNeedsSolution(before: JsonObject, after: JsonObject): RuleViolation | null {
  if (isSharedWithMicrosoft(before) || !isSharedWithMicrosoft(after)) return null;
  const solutions = asJsonObject(asJsonObject(after['details'])['requirements'])['solutions'];
  if (Array.isArray(solutions) && solutions.length > 0) return null;
  return {
    target: 'details.requirements.solutions',
    message:
      'A referral shared with Microsoft sellers needs at least one co-sell-ready or Microsoft solution in details.requirements.solutions. Add one in the same change.',
  };
}

/** The Services co-sell fields, the marketplace intent and the co-sell-ready solutions of a referral. */
export function checkCoSellShape(referral: JsonObject, settings: CoSellRuleSettings): RuleViolation[] {
  const problems: RuleViolation[] = [];
  const coSell = referral['type'] === 'Shared' && helpRequested(referral);
  const services = coSell && settings.partnerProgram === 'Services';
  const taxonomy: ReferralTaxonomy = settings.taxonomy;
  const servicesWhy = 'for Services co-sell referrals';
  checkValue(problems, 'partnerRole', referral['partnerRole'], taxonomy.partnerRoles, services, servicesWhy);
  const area = checkValue(
    problems,
    'solutionArea',
    referral['solutionArea'],
    taxonomy.solutionAreas,
    services,
    servicesWhy,
  );
  const plays = area
    ? (area as (typeof taxonomy.solutionAreas)[number]).solutionPlays
    : taxonomy.solutionAreas.flatMap((item) => item.solutionPlays);
  checkValue(problems, 'solutionPlay', referral['solutionPlay'], plays, services, servicesWhy);
  checkValue(
    problems,
    'customerMarketplaceIntent',
    marketplaceIntentOf(referral),
    taxonomy.customerMarketplaceIntents,
    coSell && settings.requireMarketplaceIntent,
    'for co-sell referrals',
  );

  const solutions = asJsonObject(asJsonObject(referral['details'])['requirements'])['solutions'];
  const list = Array.isArray(solutions) ? solutions.map(asJsonObject) : [];
  if (isSharedWithMicrosoft(referral) && list.length === 0) {
    problems.push({
      target: 'details.requirements.solutions',
      message:
        'A referral shared with Microsoft sellers needs at least one co-sell-ready or Microsoft solution in details.requirements.solutions.',
    });
  }
  if (settings.coSellReadySolutions !== null) {
    const ready = new Set(settings.coSellReadySolutions);
    for (const solution of list) {
      const id = String(solution['id'] ?? '');
      if (!ready.has(id)) {
        problems.push({
          target: 'details.requirements.solutions',
          message: `Solution '${id}' is not a co-sell-ready solution of this partner. Use a solution published under your PartnerID and marked co-sell ready.`,
        });
      }
    }
  }
  return problems;
}

/** The parts of a referral the co-sell shape rules read, besides its solutions. */
const shapeOf = (referral: JsonObject) =>
  JSON.stringify([
    referral['partnerRole'] ?? null,
    referral['solutionArea'] ?? null,
    referral['solutionPlay'] ?? null,
    marketplaceIntentOf(referral) ?? null,
    referral['type'] ?? null,
    helpRequested(referral),
  ]);

/**
 * A change of the Services co-sell fields, the marketplace intent, the type or the help request is held to the same
 * rules as a create (the solution rules have their own checks on change).
 */
export function checkCoSellShapeChange(
  before: JsonObject,
  after: JsonObject,
  settings: CoSellRuleSettings,
): RuleViolation | null {
  if (shapeOf(before) === shapeOf(after)) return null;
  return (
    checkCoSellShape(after, settings).find(
      (problem) => problem.target !== 'details.requirements.solutions',
    ) ?? null
  );
}

/** Once Microsoft sellers can see a referral it stays visible: refuse a change that makes it private again. */
export function checkVisibilityKept(before: JsonObject, after: JsonObject): RuleViolation | null {
  const consent = (referral: JsonObject) =>
    asJsonObject(referral['consent'])['consentToShareReferralWithMicrosoftSellers'];
  const unshared = consent(before) === true && consent(after) !== true;
  const madeIndependent = before['type'] === 'Shared' && after['type'] !== 'Shared';
  if (!unshared && !madeIndependent) return null;
  return {
    target: 'consent.consentToShareReferralWithMicrosoftSellers',
    message:
      "The referral is shared with Microsoft sellers; visibility can't be reverted. Keep consentToShareReferralWithMicrosoftSellers true and type Shared, or close the referral.",
  };
}
