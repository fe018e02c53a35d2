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
 * Limits every transform runs under, so that a transform that loops or recurses forever fails its deal instead of
 * holding the worker: wall time per expression (JSONata checks it at every evaluation step), evaluation depth, and
 * the length of any sequence it builds. A real mapping expression takes well under a millisecond.
 */
export const TRANSFORM_LIMITS = { timeoutMs: 200, maxDepth: 400, maxSequenceLength: 100_000 } as const;
export type TransformLimits = { timeoutMs: number; maxDepth: number; maxSequenceLength: number };

/** JSONata's guardrail error codes, and what they mean for the person fixing the mapping. */
const LIMIT_MESSAGES: Record<string, (limits: TransformLimits) => string> = {
  D1011: (limits) =>
    `it nested deeper than ${limits.maxDepth} levels (a recursive function that never stops?)`,
  D1012: (limits) => `it ran longer than ${limits.timeoutMs} ms (an endless loop or recursion?)`,
  D2015: (limits) => `it built a sequence longer than ${limits.maxSequenceLength} items`,
};

function describeFailure(error: unknown, limits: TransformLimits): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const limit = typeof code === 'string' ? LIMIT_MESSAGES[code] : undefined;
  if (limit) return `stopped: ${limit(limits)}`;
  return error instanceof Error ? error.message : String((error as { message?: unknown })?.message ?? error);
}

/**
 * Evaluate the mapping's JSONata transforms for one target. Returns target key → value: opportunity field API
 * names for `salesforce` (merge them into the fields to write), JSON Pointers for `partnerCenter` (set them in the
 * create body, or send them as `add` patch operations). An expression that yields nothing (undefined) is left out.
 * Every failing expression is reported, naming its key; one that hits a limit (TRANSFORM_LIMITS) says which. Expressions should avoid `$now()`/`$millis()` so that
 * results depend on the data only.
 */
export async function applyTransforms(
  input: TransformInput,
  mapping: Mapping,
  limits: TransformLimits = TRANSFORM_LIMITS,
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
      const compiled = jsonata(expression, {
        timeout: limits.timeoutMs,
        stack: limits.maxDepth,
        sequence: limits.maxSequenceLength,
      });
      const value: unknown = await compiled.evaluate(data);
      if (value !== undefined) values[key] = value;
    } catch (error) {
      const detail = describeFailure(error, limits);
      problems.push({
        code: 'transform_failed',
        path: `transforms.${input.target}.${key}`,
        message: `The mapping transform for ${key} failed: ${detail}. Fix the expression in the mapping file`,
      });
    }
  }
  return problems.length === 0 ? ok(values) : fail(problems);
}
