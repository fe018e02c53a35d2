import { z } from 'zod';
import fy26 from './taxonomy/fy26.json' with { type: 'json' };

/**
 * The co-sell taxonomy: Services co-sell partner roles, solution areas with their solution plays, and the
 * customer's marketplace purchase intent. Each entry has the Partner Center wire `value` and the Salesforce
 * picklist `label`. The list is data (`taxonomy/fy26.json`), overridable in the mapping file, so a new fiscal
 * year's taxonomy needs no release.
 */

const entry = z.strictObject({
  value: z.string().trim().min(1, 'Give the Partner Center value'),
  label: z.string().trim().min(1, 'Give the Salesforce picklist label'),
});
export type TaxonomyEntry = z.output<typeof entry>;

function checkDistinct(entries: readonly TaxonomyEntry[], context: z.RefinementCtx): void {
  for (const key of ['value', 'label'] as const) {
    const seen = new Set<string>();
    for (const item of entries) {
      const folded = item[key].toLowerCase();
      if (seen.has(folded)) {
        context.addIssue({
          code: 'custom',
          message: `"${item[key]}" is listed twice; give each entry its own ${key}`,
        });
      }
      seen.add(folded);
    }
  }
}

const entries = z.array(entry).superRefine(checkDistinct);

const solutionArea = entry.extend({ solutionPlays: entries });
export type TaxonomySolutionArea = z.output<typeof solutionArea>;

export const referralTaxonomySchema = z.strictObject({
  /** e.g. `FY26`: shown in validation messages so a seller knows which list applies. */
  version: z.string().trim().min(1),
  note: z.string().optional(),
  partnerRoles: entries,
  solutionAreas: z.array(solutionArea).superRefine(checkDistinct),
  customerMarketplaceIntents: entries,
});
export type ReferralTaxonomy = z.output<typeof referralTaxonomySchema>;

/** The taxonomy shipped with the connector (FY26). */
export const defaultTaxonomy: ReferralTaxonomy = referralTaxonomySchema.parse(fy26);

const fold = (text: string) => text.trim().toLowerCase();

/** The entry whose wire value or picklist label is `text` (case-insensitive), else undefined. */
export const findEntry = <T extends TaxonomyEntry>(list: readonly T[], text: string): T | undefined =>
  list.find((item) => fold(item.value) === fold(text) || fold(item.label) === fold(text));

/** The wire value for a picklist label or wire value; an unknown text is kept as written (validation names it). */
export const wireValueOf = (list: readonly TaxonomyEntry[], text: string): string =>
  findEntry(list, text)?.value ?? text.trim();

/** The picklist label for a wire value; a value not in the list (e.g. a new one from Microsoft) is shown as is. */
export const labelOf = (list: readonly TaxonomyEntry[], value: string): string =>
  findEntry(list, value)?.label ?? value;

/** Every solution play of the taxonomy, across areas (the Salesforce picklist offers them all). */
export const allSolutionPlays = (taxonomy: ReferralTaxonomy): TaxonomyEntry[] => {
  const plays = new Map<string, TaxonomyEntry>();
  for (const area of taxonomy.solutionAreas) {
    for (const play of area.solutionPlays)
      if (!plays.has(fold(play.value))) plays.set(fold(play.value), play);
  }
  return [...plays.values()];
};
