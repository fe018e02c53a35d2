/**
 * SOQL WHERE clauses: rebuilds precedence (NOT > AND > OR, parentheses) from the parser's flat chain and
 * evaluates conditions with the platform's semantics (case-insensitive text, null handling, LIKE, IN,
 * date literals, semi-joins).
 */
import type { WhereClause } from '@jetstreamapp/soql-parser-js';
import type { FieldDef, FieldValue } from './objectSchema.ts';
import { SalesforceApiError } from './salesforceApiError.ts';
import { normalizeId } from './salesforceId.ts';
import { parseDateTime } from './sfDateTime.ts';
import { dateLiteralRange, type TimeRange } from './soqlDateLiteral.ts';

export interface ConditionLeaf {
  field: string;
  operator: string;
  value: string | string[];
  literalType: string | string[] | undefined;
  /** Values of a semi-join (`Id IN (SELECT …)`), filled by the engine. */
  subqueryValues?: FieldValue[];
}

export type ConditionTree =
  | { kind: 'and' | 'or'; left: ConditionTree; right: ConditionTree }
  | { kind: 'not'; operand: ConditionTree }
  | { kind: 'leaf'; leaf: ConditionLeaf; valueQuery: unknown };

type Token = '(' | ')' | 'AND' | 'OR' | 'NOT' | { leaf: ConditionLeaf; valueQuery: unknown };

function flatten(clause: WhereClause | undefined, tokens: Token[]): void {
  if (!clause) return;
  const left = clause.left as Record<string, unknown> | null;
  const operator = 'operator' in clause ? clause.operator : undefined;
  if (left && ('field' in left || 'fn' in left)) {
    for (let index = 0; index < Number(left['openParen'] ?? 0); index += 1) tokens.push('(');
    if (!('field' in left))
      throw new SalesforceApiError(
        400,
        'MALFORMED_QUERY',
        'Functions in WHERE are not supported by the emulator',
      );
    tokens.push({
      leaf: {
        field: String(left['field']),
        operator: String(left['operator']),
        value: (left['value'] as string | string[]) ?? '',
        literalType: left['literalType'] as string | string[] | undefined,
      },
      valueQuery: left['valueQuery'],
    });
    for (let index = 0; index < Number(left['closeParen'] ?? 0); index += 1) tokens.push(')');
  } else if (left && 'openParen' in left) {
    for (let index = 0; index < Number(left['openParen'] ?? 0); index += 1) tokens.push('(');
  }
  if (operator) tokens.push(operator);
  if ('right' in clause) flatten(clause.right, tokens);
}

export function conditionTree(clause: WhereClause | undefined): ConditionTree | null {
  if (!clause) return null;
  const tokens: Token[] = [];
  flatten(clause, tokens);
  let position = 0;
  const malformed = () => new SalesforceApiError(400, 'MALFORMED_QUERY', 'unexpected token in WHERE clause');
  const parseOr = (): ConditionTree => {
    let left = parseAnd();
    while (tokens[position] === 'OR') {
      position += 1;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): ConditionTree => {
    let left = parseNot();
    while (tokens[position] === 'AND') {
      position += 1;
      left = { kind: 'and', left, right: parseNot() };
    }
    return left;
  };
  const parseNot = (): ConditionTree => {
    if (tokens[position] === 'NOT') {
      position += 1;
      return { kind: 'not', operand: parseNot() };
    }
    const token = tokens[position];
    position += 1;
    if (token === '(') {
      const inner = parseOr();
      if (tokens[position] !== ')') throw malformed();
      position += 1;
      return inner;
    }
    if (token === undefined || typeof token === 'string') throw malformed();
    return { kind: 'leaf', leaf: token.leaf, valueQuery: token.valueQuery };
  };
  const tree = parseOr();
  if (position !== tokens.length) throw malformed();
  return tree;
}

/** A literal as the engine compares it. */
type Literal =
  | { kind: 'null' }
  | { kind: 'value'; value: string | number | boolean }
  | { kind: 'range'; range: TimeRange };

export function unquote(text: string): string {
  const inner = text.startsWith("'") && text.endsWith("'") ? text.slice(1, -1) : text;
  return inner.replace(/\\(.)/g, (_match, char: string) => {
    if (char === 'n') return '\n';
    if (char === 't') return '\t';
    if (char === 'r') return '\r';
    return char;
  });
}

function literalOf(raw: string, literalType: string | undefined, now: Date): Literal {
  switch (literalType) {
    case 'NULL':
      return { kind: 'null' };
    case 'BOOLEAN':
      return { kind: 'value', value: raw.toLowerCase() === 'true' };
    case 'INTEGER':
    case 'DECIMAL':
      return { kind: 'value', value: Number(raw) };
    case 'DATE':
    case 'DATETIME': {
      const at = parseDateTime(raw);
      if (!at)
        throw new SalesforceApiError(
          400,
          'MALFORMED_QUERY',
          `value of filter criterion is not a valid date: ${raw}`,
        );
      return { kind: 'value', value: at.getTime() };
    }
    case 'DATE_LITERAL':
    case 'DATE_N_LITERAL': {
      const range = dateLiteralRange(raw, now);
      if (!range) throw new SalesforceApiError(400, 'MALFORMED_QUERY', `unsupported date literal: ${raw}`);
      return { kind: 'range', range };
    }
    default:
      return { kind: 'value', value: unquote(raw) };
  }
}

/** A stored value in the form literals compare against. */
function comparable(value: FieldValue, def: FieldDef | null): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (def && (def.type === 'date' || def.type === 'datetime'))
    return parseDateTime(String(value))?.getTime() ?? null;
  if (typeof value === 'string') return value.toLowerCase();
  return value;
}

function literalComparable(literal: Literal, def: FieldDef | null): string | number | boolean | null {
  if (literal.kind !== 'value') return null;
  const { value } = literal;
  if (typeof value === 'string') {
    if (def && (def.type === 'id' || def.type === 'reference'))
      return (normalizeId(value) ?? value).toLowerCase();
    if (def && (def.type === 'date' || def.type === 'datetime'))
      return parseDateTime(value)?.getTime() ?? value.toLowerCase();
    return value.toLowerCase();
  }
  return value;
}

function likeRegex(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern.charAt(index);
    if (char === '\\' && index + 1 < pattern.length) {
      index += 1;
      source += pattern.charAt(index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'is');
}

function compareWith(
  operator: string,
  actual: string | number | boolean,
  expected: string | number | boolean,
): boolean {
  switch (operator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    default:
      throw new SalesforceApiError(400, 'MALFORMED_QUERY', `unsupported operator ${operator}`);
  }
}

function rangeMatches(operator: string, actual: number, range: TimeRange): boolean {
  switch (operator) {
    case '=':
      return actual >= range.startMs && actual < range.endMs;
    case '!=':
      return actual < range.startMs || actual >= range.endMs;
    case '<':
      return actual < range.startMs;
    case '<=':
      return actual < range.endMs;
    case '>':
      return actual >= range.endMs;
    case '>=':
      return actual >= range.startMs;
    default:
      return false;
  }
}

/** A leaf's literals, parsed once per query and field type (not once per row). */
interface CompiledLeaf {
  literals: Literal[];
  /** For IN / NOT IN: the comparable values, and whether NULL is among them. */
  members: Set<string | number | boolean>;
  hasNull: boolean;
}

const compiledLeaves = new WeakMap<ConditionLeaf, Map<FieldDef | null, CompiledLeaf>>();

function compileLeaf(leaf: ConditionLeaf, def: FieldDef | null, now: Date): CompiledLeaf {
  let byDef = compiledLeaves.get(leaf);
  if (!byDef) {
    byDef = new Map();
    compiledLeaves.set(leaf, byDef);
  }
  const cached = byDef.get(def);
  if (cached) return cached;
  const rawValues = Array.isArray(leaf.value) ? leaf.value : [leaf.value];
  const literalTypes = Array.isArray(leaf.literalType)
    ? leaf.literalType
    : rawValues.map(() => leaf.literalType);
  const literals = leaf.subqueryValues
    ? leaf.subqueryValues.map(
        (candidate): Literal => (candidate === null ? { kind: 'null' } : { kind: 'value', value: candidate }),
      )
    : rawValues.map((raw, index) => literalOf(raw, literalTypes[index] as string | undefined, now));
  const members = new Set<string | number | boolean>();
  let hasNull = false;
  for (const literal of literals) {
    if (literal.kind === 'null') hasNull = true;
    const value = literalComparable(literal, def);
    if (value !== null) members.add(value);
  }
  const compiled = { literals, members, hasNull };
  byDef.set(def, compiled);
  return compiled;
}

export function leafMatches(
  leaf: ConditionLeaf,
  value: FieldValue,
  def: FieldDef | null,
  now: Date,
): boolean {
  const actual = comparable(value, def);
  const operator = leaf.operator.toUpperCase();
  const { literals, members, hasNull } = compileLeaf(leaf, def, now);
  if (operator === 'IN' || operator === 'NOT IN') {
    const found = actual === null ? hasNull : members.has(actual);
    return operator === 'IN' ? found : !found && actual !== null;
  }
  if (operator === 'INCLUDES' || operator === 'EXCLUDES') {
    const selected = new Set(typeof actual === 'string' ? actual.split(';') : []);
    const found = literals.some((literal) => {
      const wanted = literalComparable(literal, def);
      return typeof wanted === 'string' && wanted.split(';').every((part) => selected.has(part));
    });
    return operator === 'INCLUDES' ? found : !found;
  }
  const [literal] = literals;
  if (!literal) return false;
  if (literal.kind === 'null') {
    if (operator === '=') return actual === null;
    if (operator === '!=') return actual !== null;
    return false;
  }
  if (actual === null) return operator === '!=';
  if (literal.kind === 'range')
    return typeof actual === 'number' && rangeMatches(operator, actual, literal.range);
  const expected = literalComparable(literal, def);
  if (expected === null) return false;
  if (operator === 'LIKE') return likeRegex(String(literal.value)).test(String(value));
  return compareWith(operator, actual, expected);
}
