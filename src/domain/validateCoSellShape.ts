import type { DomainError } from '../shared/result.ts';
import type { CoSellDeal, DealField } from './coSellDeal.ts';
import type { Mapping } from './mapping/mappingSchema.ts';
import { findEntry, type TaxonomyEntry } from './referralTaxonomy.ts';

type Problem = DomainError & { path: string };

const labels = (list: readonly TaxonomyEntry[]) => list.map((item) => item.label).join(', ');

/** The opportunity field labels of the package, as a seller sees them. */
const fieldLabels = {
  partnerRole: 'Partner Role',
  solutionArea: 'Solution Area',
  solutionPlay: 'Solution Play',
  customerMarketplaceIntent: 'Customer Marketplace Intent',
} as const;
const label = (field: keyof typeof fieldLabels) => fieldLabels[field];

/**
 * The Services co-sell and marketplace-intent rules (spec 2026 review #4): `partnerRole`, `solutionArea` and
 * `solutionPlay` must come from the mapping's taxonomy, the play must belong to the area, and a Services partner's
 * co-sell referral (help requested) needs all three; the marketplace intent must be one of the taxonomy's values and
 * is required for co-sell when `mapping.coSell.requireMarketplaceIntent` is on. `checks(fields)` tells whether the
 * rules about those fields apply (an update checks only what it sends).
 */
export function checkCoSellShape(
  deal: CoSellDeal,
  mapping: Mapping,
  checks: (...fields: DealField[]) => boolean,
): Problem[] {
  const problems: Problem[] = [];
  const { taxonomy, coSell } = mapping;
  const coSellRequest = deal.assistanceRequestCode !== null;
  const inList = (
    field: 'partnerRole' | 'solutionArea' | 'customerMarketplaceIntent',
    list: readonly TaxonomyEntry[],
    required: boolean,
    what: string,
  ) => {
    const value = deal[field];
    if (!checks(field, 'assistanceRequestCode')) return;
    if (value === null) {
      if (required) {
        problems.push({
          code: `${field}_missing`,
          path: field,
          message: `Choose ${what} in ${label(field)} (one of: ${labels(list)}); Partner Center requires it for this co-sell referral`,
        });
      }
      return;
    }
    if (findEntry(list, value) === undefined) {
      problems.push({
        code: `${field}_invalid`,
        path: field,
        message: `"${value}" is not ${what} in the ${taxonomy.version} taxonomy; choose one of: ${labels(list)} in ${label(field)}`,
      });
    }
  };

  const services = coSell.servicesPartner && coSellRequest;
  inList('partnerRole', taxonomy.partnerRoles, services, 'a partner role');
  inList('solutionArea', taxonomy.solutionAreas, services, 'a solution area');
  inList(
    'customerMarketplaceIntent',
    taxonomy.customerMarketplaceIntents,
    coSell.requireMarketplaceIntent && coSellRequest,
    "the customer's marketplace purchase intent",
  );

  if (checks('solutionPlay', 'solutionArea', 'assistanceRequestCode')) {
    const area =
      deal.solutionArea === null ? undefined : findEntry(taxonomy.solutionAreas, deal.solutionArea);
    const plays = area?.solutionPlays ?? taxonomy.solutionAreas.flatMap((item) => item.solutionPlays);
    const where = area ? ` of ${area.label}` : '';
    if (deal.solutionPlay === null) {
      if (services) {
        problems.push({
          code: 'solutionPlay_missing',
          path: 'solutionPlay',
          message: `Choose a solution play${where} in ${label('solutionPlay')} (one of: ${labels(plays)}); Partner Center requires it for Services co-sell referrals`,
        });
      }
    } else if (findEntry(plays, deal.solutionPlay) === undefined) {
      problems.push({
        code: 'solutionPlay_invalid',
        path: 'solutionPlay',
        message: `"${deal.solutionPlay}" is not a solution play${where} in the ${taxonomy.version} taxonomy; choose one of: ${labels(plays)} in ${label('solutionPlay')}`,
      });
    }
  }
  return problems;
}
