/**
 * The OData `$filter` subset the Referrals docs use: eq/ne/gt/ge/lt/le, and/or/not, parentheses,
 * quoted strings, bare GUIDs, datetime literals, numbers, true/false/null, contains/startswith/endswith,
 * and lambdas such as `team/any(t: t/email eq 'a@b.c')`. Paths use `/` (`customerProfile/address/country`).
 */

type Literal = string | number | boolean | null | { datetimeMs: number };

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; op: CompareOp; path: string[]; value: Literal }
  | { kind: 'function'; name: 'contains' | 'startswith' | 'endswith'; path: string[]; value: string }
  | { kind: 'lambda'; quantifier: 'any' | 'all'; path: string[]; variable: string; body: FilterNode | null };

type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
const COMPARE_OPS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

type Token =
  | { type: 'string'; value: string }
  | { type: 'word'; value: string }
  | { type: 'punct'; value: '(' | ')' | ',' | ':' };

export class ODataFilterError extends Error {}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw new ODataFilterError('Unterminated string literal in $filter.');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += text[i];
        i += 1;
      }
      tokens.push({ type: 'string', value });
    } else if (ch === '(' || ch === ')' || ch === ',' || ch === ':') {
      tokens.push({ type: 'punct', value: ch });
      i += 1;
    } else {
      const match = /^[^\s(),:']+(?::\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?/.exec(text.slice(i));
      const word = match?.[0] ?? ch;
      tokens.push({ type: 'word', value: word });
      i += word.length;
    }
  }
  return tokens;
}

/** Bounds that keep hostile input from exhausting the stack (parsing and evaluating are recursive). */
const MAX_FILTER_TOKENS = 1_000;
const MAX_FILTER_NESTING = 50;

class Parser {
  private position = 0;
  private nesting = 0;
  constructor(private readonly tokens: Token[]) {
    if (tokens.length > MAX_FILTER_TOKENS)
      throw new ODataFilterError(
        `The $filter expression is too long (${tokens.length} tokens; at most ${MAX_FILTER_TOKENS}). Split the query.`,
      );
  }

  parse(): FilterNode {
    const node = this.parseOr();
    if (this.position < this.tokens.length) {
      throw new ODataFilterError(`Unexpected '${this.describe(this.peek())}' in $filter.`);
    }
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private describe(token: Token | undefined): string {
    return token ? token.value : 'end of input';
  }

  private next(): Token {
    const token = this.tokens[this.position];
    if (!token) throw new ODataFilterError('The $filter expression ends too early.');
    this.position += 1;
    return token;
  }

  private expectPunct(value: string): void {
    const token = this.next();
    if (token.type !== 'punct' || token.value !== value) {
      throw new ODataFilterError(`Expected '${value}' but found '${token.value}' in $filter.`);
    }
  }

  private isWord(value: string): boolean {
    const token = this.peek();
    return token?.type === 'word' && token.value.toLowerCase() === value;
  }

  private parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      this.position += 1;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parseUnary();
    while (this.isWord('and')) {
      this.position += 1;
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): FilterNode {
    this.nesting += 1;
    try {
      if (this.nesting > MAX_FILTER_NESTING)
        throw new ODataFilterError(
          `The $filter expression nests deeper than ${MAX_FILTER_NESTING} levels of not, parentheses or lambdas.`,
        );
      return this.parseUnaryTerm();
    } finally {
      this.nesting -= 1;
    }
  }

  private parseUnaryTerm(): FilterNode {
    if (this.isWord('not')) {
      this.position += 1;
      return { kind: 'not', operand: this.parseUnary() };
    }
    const token = this.peek();
    if (token?.type === 'punct' && token.value === '(') {
      this.position += 1;
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): FilterNode {
    const token = this.next();
    if (token.type !== 'word')
      throw new ODataFilterError(`Expected a property name but found '${token.value}'.`);
    const lower = token.value.toLowerCase();
    if (lower === 'contains' || lower === 'startswith' || lower === 'endswith') {
      this.expectPunct('(');
      const path = this.parsePathWord();
      this.expectPunct(',');
      const value = this.next();
      if (value.type !== 'string') throw new ODataFilterError(`${lower}() needs a quoted string argument.`);
      this.expectPunct(')');
      return { kind: 'function', name: lower, path, value: value.value };
    }
    const lambda = /^(.*)\/(any|all)$/i.exec(token.value);
    if (lambda) {
      const path = splitPath(lambda[1] ?? '');
      const quantifier = (lambda[2] ?? 'any').toLowerCase() as 'any' | 'all';
      this.expectPunct('(');
      const closing = this.peek();
      if (closing?.type === 'punct' && closing.value === ')') {
        this.position += 1;
        return { kind: 'lambda', quantifier, path, variable: '', body: null };
      }
      const variable = this.next();
      if (variable.type !== 'word')
        throw new ODataFilterError('Expected a lambda variable such as t in any(t: …).');
      this.expectPunct(':');
      const body = this.parseOr();
      this.expectPunct(')');
      return { kind: 'lambda', quantifier, path, variable: variable.value, body };
    }
    const op = this.next();
    if (op.type !== 'word' || !COMPARE_OPS.has(op.value.toLowerCase())) {
      throw new ODataFilterError(
        `Expected eq, ne, gt, ge, lt or le after '${token.value}' but found '${op.value}'.`,
      );
    }
    return {
      kind: 'compare',
      op: op.value.toLowerCase() as CompareOp,
      path: splitPath(token.value),
      value: this.parseLiteral(),
    };
  }

  private parsePathWord(): string[] {
    const token = this.next();
    if (token.type !== 'word')
      throw new ODataFilterError(`Expected a property name but found '${token.value}'.`);
    return splitPath(token.value);
  }

  private parseLiteral(): Literal {
    const token = this.next();
    if (token.type === 'string') return token.value;
    if (token.type !== 'word') throw new ODataFilterError(`Expected a value but found '${token.value}'.`);
    const word = token.value;
    if (word === 'null') return null;
    if (word === 'true' || word === 'false') return word === 'true';
    if (GUID.test(word)) return word;
    if (DATETIME.test(word) && word.includes('-')) return { datetimeMs: Date.parse(word) };
    const datetimeWrapped = /^datetime(?:offset)?'(.+)'$/i.exec(word);
    if (datetimeWrapped?.[1]) return { datetimeMs: Date.parse(datetimeWrapped[1]) };
    const number = Number(word);
    if (!Number.isNaN(number)) return number;
    throw new ODataFilterError(`'${word}' is not a valid value. Quote strings in single quotes.`);
  }
}

function splitPath(text: string): string[] {
  return text.split('/').filter((part) => part.length > 0);
}

export function parseODataFilter(text: string): FilterNode {
  return new Parser(tokenize(text)).parse();
}

type Scope = Record<string, unknown>;

function resolve(path: string[], item: unknown, scope: Scope): unknown {
  const [head, ...rest] = path;
  let current: unknown = head !== undefined && head in scope ? scope[head] : item;
  const steps = head !== undefined && head in scope ? rest : path;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    const record = current as Record<string, unknown>;
    const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === step.toLowerCase());
    current = key === undefined ? undefined : record[key];
  }
  return current;
}

function compare(op: CompareOp, actual: unknown, expected: Literal): boolean {
  if (expected !== null && typeof expected === 'object') {
    const actualMs = typeof actual === 'string' ? Date.parse(actual) : Number.NaN;
    if (Number.isNaN(actualMs)) return op === 'ne';
    return compareOrdered(op, actualMs, expected.datetimeMs);
  }
  if (actual === undefined) actual = null;
  if (typeof expected === 'string' && typeof actual === 'string') {
    const actualMs = DATETIME.test(expected) ? Date.parse(actual) : Number.NaN;
    if (!Number.isNaN(actualMs) && op !== 'eq' && op !== 'ne')
      return compareOrdered(op, actualMs, Date.parse(expected));
    return compareOrdered(op, actual.toLowerCase(), expected.toLowerCase());
  }
  if (typeof expected === 'number' && typeof actual === 'string' && actual.trim() !== '') {
    return compareOrdered(op, Number(actual), expected);
  }
  if (op === 'eq') return actual === expected;
  if (op === 'ne') return actual !== expected;
  if (typeof actual === typeof expected && actual !== null && expected !== null) {
    return compareOrdered(op, actual as number, expected as number);
  }
  return false;
}

function compareOrdered<T extends number | string>(op: CompareOp, a: T, b: T): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

export function evaluateFilter(node: FilterNode, item: unknown, scope: Scope = {}): boolean {
  switch (node.kind) {
    case 'and':
      return evaluateFilter(node.left, item, scope) && evaluateFilter(node.right, item, scope);
    case 'or':
      return evaluateFilter(node.left, item, scope) || evaluateFilter(node.right, item, scope);
    case 'not':
      return !evaluateFilter(node.operand, item, scope);
    case 'compare':
      return compare(node.op, resolve(node.path, item, scope), node.value);
    case 'function': {
      const actual = resolve(node.path, item, scope);
      if (typeof actual !== 'string') return false;
      const a = actual.toLowerCase();
      const b = node.value.toLowerCase();
      if (node.name === 'contains') return a.includes(b);
      return node.name === 'startswith' ? a.startsWith(b) : a.endsWith(b);
    }
    case 'lambda': {
      const collection = resolve(node.path, item, scope);
      const members = Array.isArray(collection)
        ? collection
        : collection && typeof collection === 'object'
          ? [collection]
          : [];
      const body = node.body;
      if (!body) return node.quantifier === 'any' ? members.length > 0 : true;
      const test = (member: unknown) => evaluateFilter(body, item, { ...scope, [node.variable]: member });
      return node.quantifier === 'any' ? members.some(test) : members.every(test);
    }
  }
}
