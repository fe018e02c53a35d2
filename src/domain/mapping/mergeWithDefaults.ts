import type { DomainError, Result } from '../../shared/result.ts';
import { fail, ok } from '../../shared/result.ts';
import { defaultMapping } from './defaultMapping.ts';
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

/** Edit distance between two short strings (for "did you mean"). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known key closest to an unknown one at the same place in the mapping, when it is a likely typo. */
function suggestionFor(parentPath: readonly PropertyKey[], key: string): string | null {
  let node: unknown = defaultMapping;
  for (const segment of parentPath) {
    node =
      node !== null && typeof node === 'object'
        ? (node as Record<string, unknown>)[String(segment)]
        : undefined;
  }
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return null;
  let best: { key: string; distance: number } | null = null;
  for (const candidate of Object.keys(node)) {
    const distance = editDistance(key, candidate);
    if (best === null || distance < best.distance) best = { key: candidate, distance };
  }
  return best !== null && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : null;
}

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
        const suggestion = suggestionFor(issue.path, key);
        const fix = suggestion === null ? 'remove it or fix its spelling' : `did you mean "${suggestion}"?`;
        problems.push({
          code: 'mapping_invalid',
          path,
          reason: 'unknown_key',
          message: `Unknown key "${key}" at ${path}: ${fix}`,
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
