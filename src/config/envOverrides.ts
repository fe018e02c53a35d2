/**
 * `COSELL_*` environment variables override single config values. The variable name is the config
 * path in UPPER_SNAKE_CASE: `store.url` ← COSELL_STORE_URL, `sync.pollIntervalSeconds` ←
 * COSELL_SYNC_POLL_INTERVAL_SECONDS, `salesforce.auth.clientId` ← COSELL_SALESFORCE_AUTH_CLIENT_ID.
 * The table of names is derived from the schema, so it can never drift from it.
 */
import type { z } from 'zod';
import type { ConfigProblem } from './configProblem.ts';
import { configSchema } from './configSchema.ts';

/** COSELL_ variables that are not config paths. */
export const NON_CONFIG_ENV = new Set([
  'COSELL_SECRET_KEY',
  'COSELL_SECRET_KEY_PREVIOUS',
  'COSELL_NEW_SECRET_KEY',
  'COSELL_CONFIG',
  'COSELL_DEBUG',
  /** Deal trace file for the chaos tests (src/sync/dealTrace.ts). */
  'COSELL_DEAL_TRACE',
]);

export type LeafKind = 'string' | 'number' | 'boolean' | 'array' | 'enum';

export interface EnvLeaf {
  path: string[];
  kind: LeafKind;
}

const toUpperSnake = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

export const envNameFor = (path: readonly string[]): `COSELL_${string}` =>
  `COSELL_${path.map(toUpperSnake).join('_')}`;

type SchemaNode = z.ZodType & {
  def: { type: string; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType; options?: z.ZodType[] };
  shape?: Record<string, z.ZodType>;
};

/** Looks through optional/default wrappers and transforms to the schema that holds the values. */
function unwrap(schema: z.ZodType): SchemaNode {
  let current = schema as SchemaNode;
  for (;;) {
    const { type, innerType } = current.def;
    if (['optional', 'default', 'nullable', 'prefault'].includes(type) && innerType)
      current = innerType as SchemaNode;
    // A preprocess is a pipe from a transform: the values sit in what it feeds.
    else if (type === 'pipe' && current.def.in?.def.type === 'transform' && current.def.out)
      current = current.def.out as SchemaNode;
    else if (type === 'pipe' && current.def.in) current = current.def.in as SchemaNode;
    else return current;
  }
}

function collectLeaves(schema: z.ZodType, path: string[], out: Map<string, EnvLeaf>): void {
  const inner = unwrap(schema);
  const type = inner.def.type;
  if (type === 'object' && inner.shape) {
    // A list of connections has no single values to override: each pair is set in the file.
    for (const [key, child] of Object.entries(inner.shape))
      if (!(path.length === 0 && key === 'connections')) collectLeaves(child, [...path, key], out);
    return;
  }
  // A union's variants (store kinds, Salesforce flows) share one set of variable names.
  if (type === 'union' && inner.def.options) {
    for (const option of inner.def.options) collectLeaves(option, path, out);
    return;
  }
  const kind: LeafKind =
    type === 'number' || type === 'int'
      ? 'number'
      : type === 'boolean'
        ? 'boolean'
        : type === 'array'
          ? 'array'
          : type === 'enum'
            ? 'enum'
            : 'string';
  out.set(envNameFor(path), { path, kind });
}

let leafTable: Map<string, EnvLeaf> | undefined;

/** Every overridable variable name → its config path. */
export function envLeaves(): Map<string, EnvLeaf> {
  if (!leafTable) {
    leafTable = new Map();
    collectLeaves(configSchema, [], leafTable);
  }
  return leafTable;
}

function coerce(raw: string, kind: LeafKind): unknown {
  if (kind === 'number') return raw.trim() === '' ? raw : Number(raw);
  if (kind === 'boolean')
    return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
  if (kind === 'array')
    return raw
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
  return raw;
}

function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

/** Applies COSELL_* overrides onto the raw (pre-validation) config object, in place. */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const leaves = envLeaves();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('COSELL_') || NON_CONFIG_ENV.has(name) || value === undefined) continue;
    const leaf = leaves.get(name);
    if (!leaf) {
      problems.push({
        path: name,
        message: `unknown environment variable ${name}`,
        hint: 'COSELL_* variables name a config path in UPPER_SNAKE_CASE, e.g. COSELL_STORE_URL for store.url; remove or rename it',
      });
      continue;
    }
    setIn(raw, leaf.path, coerce(value, leaf.kind));
  }
  return problems;
}
