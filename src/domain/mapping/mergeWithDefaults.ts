import type { DomainError, Result } from '../../shared/result.ts';
import { fail, ok } from '../../shared/result.ts';
import { type Mapping, type MappingInput, mappingSchema } from './mappingSchema.ts';

/** One problem in a mapping: what is wrong, where (`path`, dotted), and how to fix it. */
export interface MappingProblem extends DomainError {
  code: 'mapping_invalid';
  /** Dotted path of the offending key, e.g. `fields.dealValue.direction`. */
  path: string;
  /** `unknown_key`: the key is not part of the mapping (often a typo); `invalid_value`: the value is wrong. */
  reason: 'unknown_key' | 'invalid_value' | 'syntax';
  /** 1-based position in the mapping file, when known. */
  line?: number;
  column?: number;
}

/** Dotted path for a zod issue path. */
export const dottedPath = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/**
 * Fill every key the input leaves out from the default mapping and validate the result.
 * Returns every problem at once (unknown keys included), each with its dotted path.
 */
export function mergeWithDefaults(input: MappingInput | unknown): Result<Mapping, MappingProblem[]> {
  const parsed = mappingSchema.safeParse(input ?? {});
  if (parsed.success) return ok(parsed.data);
  const problems: MappingProblem[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = dottedPath([...issue.path, key]);
        problems.push({
          code: 'mapping_invalid',
          path,
          reason: 'unknown_key',
          message: `Unknown key "${key}" at ${path}: remove it or fix its spelling`,
        });
      }
      continue;
    }
    const path = dottedPath(issue.path);
    problems.push({
      code: 'mapping_invalid',
      path,
      reason: 'invalid_value',
      message: `${path || '(root)'}: ${issue.message}`,
    });
  }
  return fail(problems);
}
