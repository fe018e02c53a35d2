/**
 * Loads the configuration: YAML file → `${ENV}` interpolation → COSELL_* overrides → schema (types,
 * variants and rules between fields) → template placeholders → referenced files exist. Every problem
 * is collected and reported at once, and one mistake gives one problem: a YAML syntax error stops
 * there, a missing file is reported as missing, and a value whose `${ENV}` is unset is not also
 * reported as invalid.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type Document, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { deepMerge } from '../shared/deepMerge.ts';
import { ConfigError, type ConfigProblem } from './configProblem.ts';
import { type CosellConfig, configSchema } from './configSchema.ts';
import { applyEnvOverrides, envLeaves } from './envOverrides.ts';
import { TEMPLATE_PLACEHOLDERS } from './templatePlaceholders.ts';

export const DEFAULT_CONFIG_FILE = 'cosell.yaml';

export interface LoadConfigOptions {
  /** Path given with --config; when absent, ./cosell.yaml is used if it exists, else defaults only. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Values applied after the file and before validation (used by the sandbox). */
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: CosellConfig;
  /** Absolute path of the file read, or null when none was. */
  fileName: string | null;
  /** Directory relative paths in the config are resolved against. */
  baseDir: string;
}

export interface ConfigCheck {
  config: CosellConfig | null;
  problems: ConfigProblem[];
  fileName: string | null;
  baseDir: string;
}

const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolate(
  value: unknown,
  path: string[],
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
  lineOf: LineLookup,
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REFERENCE, (whole, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push({
        path: path.join('.'),
        message: `refers to environment variable ${name}, which is not set`,
        hint: `export ${name}=… before starting, or write \${${name}:-default} to give a default`,
        ...lineOf(path),
      });
      return whole;
    });
  }
  if (Array.isArray(value))
    return value.map((item, index) => interpolate(item, [...path, String(index)], env, problems, lineOf));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        interpolate(item, [...path, key], env, problems, lineOf),
      ]),
    );
  }
  return value;
}

type LineLookup = (path: readonly (string | number)[]) => { line?: number };

function lineLookup(doc: Document | null, counter: LineCounter): LineLookup {
  return (path) => {
    if (!doc) return {};
    // Walk up the path until a node with a source range is found (a missing key points at its parent).
    for (let depth = path.length; depth >= 1; depth -= 1) {
      const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return { line: counter.linePos(node.range[0]).line };
      if (depth > 0) {
        const parent = doc.getIn(path.slice(0, depth - 1), true) as
          | { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] }
          | undefined;
        const pair = parent?.items?.find((item) => String(item.key?.value) === String(path[depth - 1]));
        if (pair?.key?.range) return { line: counter.linePos(pair.key.range[0]).line };
      }
    }
    return {};
  };
}

/** What to do about a setting that is missing or wrong, where the schema's message alone does not say. */
const HINTS: Record<string, string> = {
  'store.url':
    'set store.url: ${DATABASE_URL} (or COSELL_STORE_URL), e.g. postgres://user:pass@host:5432/cosell',
  'salesforce.auth.clientId':
    'set it to the Consumer Key of the External Client App (or connected app); see docs/setup-salesforce.md',
};

function issueToProblem(issue: z.core.$ZodIssue, lineOf: LineLookup): ConfigProblem[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: [...path, key].join('.'),
      message: `unknown key "${key}"`,
      hint: 'remove it or fix its spelling (config keys are camelCase, see README "Configuration")',
      ...lineOf([...path, key]),
    }));
  }
  let message = issue.message;
  let hint: string | undefined;
  if (issue.code === 'custom' && typeof issue.params?.['hint'] === 'string') hint = issue.params['hint'];
  if (issue.code === 'invalid_value' && 'values' in issue)
    hint = `use one of: ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_union' && 'discriminator' in issue && typeof issue.discriminator === 'string') {
    const choices = ('options' in issue && Array.isArray(issue.options) ? issue.options : []).filter(
      (option): option is string => typeof option === 'string',
    );
    message = `unknown ${issue.discriminator}`;
    hint = `use one of: ${choices.join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'number') hint = 'write a number without quotes';
  hint ??= HINTS[path.join('.')] ?? (path[0] === 'salesforce' ? 'see docs/setup-salesforce.md' : undefined);
  return [{ path: path.join('.') || '(root)', message, ...(hint ? { hint } : {}), ...lineOf(path) }];
}

/** Reads a value at a path of an unvalidated object. */
function at(raw: unknown, path: readonly string[]): unknown {
  let node = raw;
  for (const key of path) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Where each connection's own sections sit: the top level, or `connections.<i>` for each listed pair. */
function connectionPrefixes(raw: unknown): string[][] {
  const listed = at(raw, ['connections']);
  return Array.isArray(listed) ? listed.map((_, index) => ['connections', String(index)]) : [[]];
}

/** Sections that belong to each connection: with a `connections` list they go inside its entries. */
const CONNECTION_SECTIONS = ['connectionId', 'partnerCenter', 'salesforce'] as const;

/**
 * A `connections` list and a top-level connection section at once: which pair would the section be? A section
 * equal to the first connection's is what a loaded config carries (its top level mirrors the first connection), so
 * a config written back to a file loads again.
 */
function connectionListProblems(raw: Record<string, unknown>, lineOf: LineLookup): ConfigProblem[] {
  const listed = raw['connections'];
  if (listed === undefined) return [];
  const first = Array.isArray(listed) ? (listed[0] as Record<string, unknown> | undefined) : undefined;
  const mirrors = (section: (typeof CONNECTION_SECTIONS)[number]) =>
    isDeepStrictEqual(raw[section], first?.[section === 'connectionId' ? 'id' : section]);
  return CONNECTION_SECTIONS.filter((section) => raw[section] !== undefined && !mirrors(section)).map(
    (section) => ({
      path: section,
      message: `is set at the top level (or by a COSELL_ variable) while \`connections\` lists the pairs`,
      hint:
        section === 'connectionId'
          ? 'remove it: each entry of `connections` has its own id'
          : `move it into each entry of \`connections\` (each pair has its own ${section} section), or remove the \`connections\` list to run one connection`,
      ...lineOf([section]),
    }),
  );
}

/** Values `cosell init` wrote as examples and nobody replaced yet. */
function placeholderProblems(raw: unknown, lineOf: LineLookup): ConfigProblem[] {
  const prefixes = connectionPrefixes(raw);
  return Object.values(TEMPLATE_PLACEHOLDERS).flatMap((placeholder) =>
    (placeholder.path[0] === 'server' ? [[]] : prefixes)
      .map((prefix) => [...prefix, ...placeholder.path])
      .filter((path) => at(raw, path) === placeholder.value)
      .map((path) => ({
        path: path.join('.'),
        message: `is still the example value ${placeholder.value} from \`cosell init\``,
        hint: placeholder.hint,
        ...lineOf(path),
      })),
  );
}

/** Config paths that name files, relative to the config file's folder. */
const FILE_PATHS = [
  ['salesforce', 'auth', 'privateKeyFile'],
  ['partnerCenter', 'trustedCaFile'],
  ['partnerCenter', 'webhook', 'trustedRootsFile'],
  ['sync', 'mappingFile'],
] as const;

/** The file settings of every connection: top-level ones, or each listed connection's. */
function filePathsOf(config: CosellConfig, listed: boolean): string[][] {
  const prefixes = listed ? config.connections.map((_, index) => ['connections', String(index)]) : [[]];
  return prefixes.flatMap((prefix) => FILE_PATHS.map((path) => [...prefix, ...path]));
}

function fileProblems(
  config: CosellConfig,
  baseDir: string,
  lineOf: LineLookup,
  listed: boolean,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const path of filePathsOf(config, listed)) {
    const file = at(config, path);
    if (typeof file !== 'string' || existsSync(resolve(baseDir, file))) continue;
    problems.push({
      path: path.join('.'),
      message: `file not found: ${file} (looked in ${resolve(baseDir, file)})`,
      hint: 'fix the path; relative paths are resolved against the config file’s folder',
      ...lineOf(path),
    });
  }
  return problems;
}

/** The file to read: --config, else $COSELL_CONFIG, else ./cosell.yaml. */
function configFileFor(options: LoadConfigOptions, env: NodeJS.ProcessEnv, cwd: string) {
  const explicit = options.file ?? env['COSELL_CONFIG'];
  return { explicit, candidate: resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE) };
}

/** True when COSELL_* variables carry configuration (a container configured by environment alone). */
function configuredByEnvironment(env: NodeJS.ProcessEnv): boolean {
  const leaves = envLeaves();
  return Object.keys(env).some((name) => leaves.has(name));
}

/** Loads and validates, returning every problem instead of throwing. */
export function checkConfig(options: LoadConfigOptions = {}): ConfigCheck {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const { explicit, candidate } = configFileFor(options, env, cwd);
  const problems: ConfigProblem[] = [];
  const counter = new LineCounter();
  let doc: Document | null = null;
  let raw: Record<string, unknown> = {};
  const result = (fileName: string | null, config: CosellConfig | null = null): ConfigCheck => ({
    config,
    problems,
    fileName,
    baseDir: fileName ? dirname(fileName) : cwd,
  });

  if (!existsSync(candidate)) {
    // Without a file, only the sandbox's overrides or COSELL_* variables can configure the connector.
    if (explicit !== undefined || (!options.overrides && !configuredByEnvironment(env))) {
      problems.push({
        path: explicit === undefined ? 'cosell.yaml' : '--config',
        message: `config file not found: ${candidate}`,
        hint:
          explicit === undefined
            ? 'run the command in the folder that holds cosell.yaml, pass --config FILE, or run `cosell init` to write one'
            : 'check the path, or run `cosell init` to write one',
      });
      return result(null);
    }
  } else {
    doc = parseDocument(readFileSync(candidate, 'utf8'), { lineCounter: counter, prettyErrors: false });
    // The first syntax error is the mistake; the parser's later errors follow from it, and so would
    // every schema problem: report it alone.
    const [error] = doc.errors;
    if (error) {
      const line = error.linePos?.[0]?.line ?? counter.linePos(error.pos[0]).line;
      problems.push({
        path: '(yaml)',
        message: error.message.split('\n')[0] ?? error.message,
        hint: 'fix the YAML syntax (indent nested keys with spaces, the same amount at each level)',
        ...(line ? { line } : {}),
      });
      return result(candidate);
    }
    const parsed: unknown = doc.toJS();
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      problems.push({ path: '(root)', message: 'the config file must be a YAML mapping (key: value lines)' });
      return result(candidate);
    }
    raw = (parsed ?? {}) as Record<string, unknown>;
  }
  const fileName = doc ? candidate : null;
  const baseDir = fileName ? dirname(fileName) : cwd;
  const lineOf = lineLookup(doc, counter);

  raw = interpolate(raw, [], env, problems, lineOf) as Record<string, unknown>;
  // A value whose ${ENV} is unset is already reported; checking the unexpanded text would say it twice.
  const unresolved = new Set(problems.map((problem) => problem.path));
  problems.push(...applyEnvOverrides(raw, env));
  if (options.overrides) raw = deepMerge(raw, options.overrides);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      for (const problem of issueToProblem(issue, lineOf))
        if (!unresolved.has(problem.path)) problems.push(problem);
  problems.push(...connectionListProblems(raw, lineOf));
  problems.push(...placeholderProblems(raw, lineOf));
  const listed = raw['connections'] !== undefined;
  if (parsed.success) problems.push(...fileProblems(parsed.data, baseDir, lineOf, listed));

  return result(
    fileName,
    parsed.success && problems.length === 0 ? resolvePaths(parsed.data, baseDir) : null,
  );
}

/** Loads and validates; throws ConfigError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const check = checkConfig(options);
  if (!check.config) throw new ConfigError(check.problems, check.fileName);
  return { config: check.config, fileName: check.fileName, baseDir: check.baseDir };
}

/** Makes every relative file path in the config absolute (against the config file's folder). */
function resolvePaths(config: CosellConfig, baseDir: string): CosellConfig {
  // The top-level connection sections are the first listed connection's objects: the clone keeps them shared.
  const copy = structuredClone(config) as unknown as Record<string, Record<string, unknown>>;
  const paths: readonly (readonly string[])[] = [...filePathsOf(config, true), ['store', 'path']];
  for (const path of paths) {
    const parent = at(copy, path.slice(0, -1)) as Record<string, unknown> | undefined;
    const key = path[path.length - 1];
    const file = key === undefined ? undefined : parent?.[key];
    if (parent && key !== undefined && typeof file === 'string' && !isAbsolute(file))
      parent[key] = resolve(baseDir, file);
  }
  return Object.freeze(copy) as unknown as CosellConfig;
}
