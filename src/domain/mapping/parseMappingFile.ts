import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { Result } from '../../shared/result.ts';
import { fail } from '../../shared/result.ts';
import type { Mapping } from './mappingSchema.ts';
import { type MappingProblem, mergeWithDefaults } from './mergeWithDefaults.ts';

interface Located {
  node: Node;
  /** True when the whole path was found; false when `node` is the nearest ancestor present in the file. */
  exact: boolean;
}

/** Find the YAML node for a dotted path: the key node for an unknown key, else the value node. */
function locate(root: unknown, path: string, pointAtKey: boolean): Located | null {
  if (!isMap(root) && !isSeq(root)) return null;
  let current: Node = root;
  const segments = path === '' ? [] : path.split('.');
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    if (isMap(current)) {
      const pair = current.items.find((item) => isScalar(item.key) && String(item.key.value) === segment);
      if (!pair) return { node: current, exact: false };
      const key = pair.key as Node;
      if (last && pointAtKey) return { node: key, exact: true };
      const value = pair.value;
      if (value === null || typeof value !== 'object' || !('range' in value))
        return { node: key, exact: last };
      current = value as Node;
    } else if (isSeq(current)) {
      const item = current.items[Number(segment)];
      if (item === undefined || item === null || typeof item !== 'object' || !('range' in item)) {
        return { node: current, exact: false };
      }
      current = item as Node;
    } else {
      return { node: current, exact: false };
    }
  }
  return { node: current, exact: true };
}

/**
 * Parse a YAML mapping file, merge it over the default mapping and validate it.
 * On failure returns every problem at once; each names the file, line and column, the key path and the fix.
 * Unknown keys are errors, so a typo cannot silently fall back to a default.
 */
export function parseMappingFile(yamlText: string, fileName: string): Result<Mapping, MappingProblem[]> {
  const lineCounter = new LineCounter();
  const document = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (document.errors.length > 0) {
    return fail(
      document.errors.map((error): MappingProblem => {
        const { line, col } = at(error.pos[0]);
        return {
          code: 'mapping_invalid',
          path: '',
          reason: 'syntax',
          line,
          column: col,
          message: `${fileName}:${line}:${col} is not valid YAML (${error.message.split('\n')[0]}); fix the syntax there`,
        };
      }),
    );
  }
  const content: unknown = document.toJS() ?? {};
  if (typeof content !== 'object' || Array.isArray(content)) {
    return fail([
      {
        code: 'mapping_invalid',
        path: '',
        reason: 'invalid_value',
        line: 1,
        column: 1,
        message: `${fileName}:1:1 must be a YAML mapping of keys (fields:, stages:, …), not a list or a single value`,
      },
    ]);
  }
  const merged = mergeWithDefaults(content);
  if (merged.ok) return merged;
  const byPosition = (a: MappingProblem, b: MappingProblem) =>
    (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
  return fail(
    merged.error
      .map((problem): MappingProblem => {
        const found = locate(document.contents, problem.path, problem.reason === 'unknown_key');
        if (!found?.node.range) return { ...problem, message: `${fileName}: ${problem.message}` };
        const { line, col } = at(found.node.range[0]);
        return { ...problem, line, column: col, message: `${fileName}:${line}:${col} ${problem.message}` };
      })
      .sort(byPosition),
  );
}
