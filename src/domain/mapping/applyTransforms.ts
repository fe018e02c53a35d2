import jsonata from 'jsonata';
import type { DomainError, Result } from '../../shared/result.ts';
import { fail, ok } from '../../shared/result.ts';
import type { CoSellDeal } from '../coSellDeal.ts';
import type { Mapping } from './mappingSchema.ts';

/** What the expressions of one target see: the merged deal plus the record being written. */
export type TransformInput =
  | { target: 'salesforce'; deal: CoSellDeal; opportunity: Readonly<Record<string, unknown>> }
  | { target: 'partnerCenter'; deal: CoSellDeal; referral: unknown };

/**
 * Evaluate the mapping's JSONata transforms for one target. Returns target key → value: opportunity field API
 * names for `salesforce` (merge them into the fields to write), JSON Pointers for `partnerCenter` (set them in the
 * create body, or send them as `add` patch operations). An expression that yields nothing (undefined) is left out.
 * Every failing expression is reported, naming its key. Expressions should avoid `$now()`/`$millis()` so that
 * results depend on the data only.
 */
export async function applyTransforms(
  input: TransformInput,
  mapping: Mapping,
): Promise<Result<Record<string, unknown>, DomainError[]>> {
  const expressions = mapping.transforms[input.target];
  const data =
    input.target === 'salesforce'
      ? { deal: input.deal, opportunity: input.opportunity }
      : { deal: input.deal, referral: input.referral };
  const values: Record<string, unknown> = {};
  const problems: DomainError[] = [];
  for (const [key, expression] of Object.entries(expressions)) {
    try {
      const value: unknown = await jsonata(expression).evaluate(data);
      if (value !== undefined) values[key] = value;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      problems.push({
        code: 'transform_failed',
        path: `transforms.${input.target}.${key}`,
        message: `The mapping transform for ${key} failed: ${detail}. Fix the expression in the mapping file`,
      });
    }
  }
  return problems.length === 0 ? ok(values) : fail(problems);
}
