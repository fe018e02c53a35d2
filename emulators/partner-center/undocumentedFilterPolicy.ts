/**
 * What the emulator does with `$filter` clauses on fields Microsoft does not document as filterable (spec §1.4 and
 * 2026 review #5): `evaluate` them like any other (the default, lenient), `ignore` them (the clause is dropped and the
 * rest of the filter applies, as a service that skips unknown clauses would), `reject` the query (400), or answer
 * `empty` (no referral matches). The documented fields are those the list page's examples filter on.
 */
import { z } from 'zod';
import type { FilterNode } from './odataFilter.ts';

export const undocumentedFilterModeSchema = z.enum(['evaluate', 'ignore', 'reject', 'empty']);
export type UndocumentedFilterMode = z.output<typeof undocumentedFilterModeSchema>;

/** Field paths (`/`-separated; lambda members as `team/email`) the Referrals docs filter on. */
export const DOCUMENTED_FILTER_FIELDS: readonly string[] = [
  'engagementId',
  'status',
  'substatus',
  'updatedDateTime',
  'qualification',
  'direction',
  'type',
  'customerProfile/address/country',
  'team/email',
  'email',
];
const DOCUMENTED = new Set(DOCUMENTED_FILTER_FIELDS.map((field) => field.toLowerCase()));

type Scope = Readonly<Record<string, string[]>>;

/** The field a path names (lower case: the emulator matches names case-insensitively), with a lambda variable (`t/email` in `team/any(t: …)`) replaced by its collection. */
function fieldOf(path: readonly string[], scope: Scope): string {
  const [head, ...rest] = path;
  const full = head !== undefined && scope[head] ? [...scope[head], ...rest] : path;
  return full.join('/').toLowerCase();
}

/** Every field the filter names. */
export function filterFields(node: FilterNode, scope: Scope = {}): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return [...filterFields(node.left, scope), ...filterFields(node.right, scope)];
    case 'not':
      return filterFields(node.operand, scope);
    case 'compare':
    case 'function':
      return [fieldOf(node.path, scope)];
    case 'lambda':
      return node.body
        ? filterFields(node.body, { ...scope, [node.variable]: fieldOf(node.path, scope).split('/') })
        : [fieldOf(node.path, scope)];
  }
}

const documented = (field: string) => DOCUMENTED.has(field);

/** The filter without its clauses on undocumented fields; null when nothing is left. */
export function withoutUndocumentedClauses(node: FilterNode, scope: Scope = {}): FilterNode | null {
  switch (node.kind) {
    case 'and':
    case 'or': {
      const left = withoutUndocumentedClauses(node.left, scope);
      const right = withoutUndocumentedClauses(node.right, scope);
      if (!left || !right) return left ?? right;
      return { ...node, left, right };
    }
    case 'not': {
      const operand = withoutUndocumentedClauses(node.operand, scope);
      return operand ? { kind: 'not', operand } : null;
    }
    case 'compare':
    case 'function':
      return documented(fieldOf(node.path, scope)) ? node : null;
    case 'lambda': {
      if (!node.body) return documented(fieldOf(node.path, scope)) ? node : null;
      const body = withoutUndocumentedClauses(node.body, {
        ...scope,
        [node.variable]: fieldOf(node.path, scope).split('/'),
      });
      return body ? { ...node, body } : null;
    }
  }
}

export type FilterDecision =
  | { kind: 'filter'; node: FilterNode | null; undocumented: string[] }
  | { kind: 'reject'; message: string; undocumented: string[] }
  | { kind: 'empty'; undocumented: string[] };

/** How a parsed `$filter` is applied under the mode: the filter to evaluate, a refusal, or no result at all. */
export function applyUndocumentedFilterPolicy(
  node: FilterNode,
  mode: UndocumentedFilterMode,
): FilterDecision {
  const undocumented = [...new Set(filterFields(node).filter((field) => !documented(field)))];
  if (undocumented.length === 0 || mode === 'evaluate') return { kind: 'filter', node, undocumented };
  if (mode === 'ignore') return { kind: 'filter', node: withoutUndocumentedClauses(node), undocumented };
  if (mode === 'empty') return { kind: 'empty', undocumented };
  return {
    kind: 'reject',
    undocumented,
    message: `$filter on ${undocumented.join(', ')} is not supported. Filter on ${DOCUMENTED_FILTER_FIELDS.join(', ')}.`,
  };
}
