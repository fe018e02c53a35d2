/**
 * Loads the configuration: YAML file → `${ENV}` interpolation → COSELL_* overrides → schema →
 * cross-field rules → referenced files exist. Every problem is collected and reported at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { deepMerge } from '../shared/deepMerge.ts';
import { ConfigError, type ConfigProblem } from './configProblem.ts';
import { type CosellConfig, configSchema } from './configSchema.ts';
import { applyEnvOverrides } from './envOverrides.ts';

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
  let hint: string | undefined;
  if (issue.code === 'invalid_value' && 'values' in issue)
    hint = `use one of: ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.expected === 'number') hint = 'write a number without quotes';
  return [
    { path: path.join('.') || '(root)', message: issue.message, ...(hint ? { hint } : {}), ...lineOf(path) },
  ];
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

/** Rules between fields. They run on the raw input too, so they are reported next to schema problems. */
function crossFieldProblems(raw: unknown, lineOf: LineLookup): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const need = (path: string[], message: string, hint: string) =>
    problems.push({ path: path.join('.'), message, hint, ...lineOf(path) });
  const storeKind = at(raw, ['store', 'kind']) ?? 'sqlite';
  const queueKind = at(raw, ['queue', 'kind']);
  const host = String(at(raw, ['server', 'host']) ?? '127.0.0.1');
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  if (!loopback && !at(raw, ['server', 'adminToken'])) {
    need(
      ['server', 'adminToken'],
      `server.host ${host} makes the admin API (/api: retry, redrive) reachable from other machines, so it needs server.adminToken`,
      'set server.adminToken: ${COSELL_SERVER_ADMIN_TOKEN} with a long random value (`openssl rand -hex 24`), or listen on 127.0.0.1 behind a proxy',
    );
  }
  if (storeKind === 'postgres' && !at(raw, ['store', 'url'])) {
    need(
      ['store', 'url'],
      'store.kind is postgres but store.url is missing',
      'set store.url: ${DATABASE_URL} (or COSELL_STORE_URL)',
    );
  }
  if (queueKind === 'pg-boss' && storeKind !== 'postgres') {
    need(
      ['queue', 'kind'],
      'queue.kind pg-boss needs store.kind postgres',
      'use queue.kind: embedded with SQLite, or move the store to Postgres',
    );
  }
  if (queueKind === 'embedded' && storeKind === 'postgres') {
    need(
      ['queue', 'kind'],
      'queue.kind embedded needs store.kind sqlite',
      'use queue.kind: pg-boss with Postgres (or leave queue.kind out)',
    );
  }
  for (const key of ['tenantId', 'clientId'] as const) {
    if (!at(raw, ['partnerCenter', key])) {
      need(
        ['partnerCenter', key],
        `partnerCenter.${key} is missing`,
        key === 'tenantId'
          ? 'set it to your Partner Center (Entra ID) tenant id, a GUID'
          : 'set it to the Entra ID app registration (client) id used to sign in the Referrals admin; see docs/setup-partner-center.md',
      );
    }
  }
  const flow = at(raw, ['salesforce', 'auth', 'flow']) ?? 'jwt';
  const auth = (key: string) => at(raw, ['salesforce', 'auth', key]);
  const requireAuth = (keys: string[], why: string) => {
    for (const key of keys)
      if (!auth(key))
        need(
          ['salesforce', 'auth', key],
          `salesforce.auth.${key} is missing (${why})`,
          'see docs/setup-salesforce.md',
        );
  };
  if (flow === 'jwt') {
    requireAuth(['clientId', 'username'], 'the JWT bearer flow needs them');
    if (!auth('privateKey') && !auth('privateKeyFile')) {
      need(
        ['salesforce', 'auth', 'privateKeyFile'],
        'the JWT bearer flow needs a private key',
        'set salesforce.auth.privateKeyFile to the PEM key whose certificate is on the connected app',
      );
    }
  } else if (flow === 'clientCredentials') {
    requireAuth(['clientId', 'clientSecret'], 'the client-credentials flow needs them');
  } else if (flow === 'password') {
    requireAuth(['clientId', 'clientSecret', 'username', 'password'], 'the password flow needs them');
  } else if (flow === 'refreshToken') {
    requireAuth(
      ['clientId'],
      'the refresh-token flow needs it; the token itself comes from `cosell connect salesforce`',
    );
  }
  return problems;
}

function fileProblems(config: CosellConfig, baseDir: string, lineOf: LineLookup): ConfigProblem[] {
  const refs: [string[], string | undefined][] = [
    [['salesforce', 'auth', 'privateKeyFile'], config.salesforce.auth.privateKeyFile],
    [['partnerCenter', 'trustedCaFile'], config.partnerCenter.trustedCaFile],
    [['partnerCenter', 'webhook', 'trustedRootsFile'], config.partnerCenter.webhook.trustedRootsFile],
    [['sync', 'mappingFile'], config.sync.mappingFile],
  ];
  return refs
    .filter(([, file]) => file !== undefined && !existsSync(resolve(baseDir, file)))
    .map(([path, file]) => ({
      path: path.join('.'),
      message: `file not found: ${file} (looked in ${resolve(baseDir, file ?? '')})`,
      hint: 'fix the path; relative paths are resolved against the config file’s folder',
      ...lineOf(path),
    }));
}

/** Loads and validates, returning every problem instead of throwing. */
export function checkConfig(options: LoadConfigOptions = {}): ConfigCheck {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.file ?? env['COSELL_CONFIG'];
  const candidate = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  const problems: ConfigProblem[] = [];
  let fileName: string | null = null;
  let doc: Document | null = null;
  const counter = new LineCounter();
  let raw: Record<string, unknown> = {};

  if (existsSync(candidate)) {
    fileName = candidate;
    doc = parseDocument(readFileSync(candidate, 'utf8'), { lineCounter: counter, prettyErrors: false });
    for (const error of doc.errors) {
      const line = error.linePos?.[0]?.line ?? counter.linePos(error.pos[0]).line;
      problems.push({
        path: '(yaml)',
        message: error.message.split('\n')[0] ?? error.message,
        hint: 'fix the YAML syntax',
        ...(line ? { line } : {}),
      });
    }
    const parsed: unknown = doc.errors.length ? {} : doc.toJS();
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      problems.push({ path: '(root)', message: 'the config file must be a YAML mapping (key: value lines)' });
    } else if (parsed) {
      raw = parsed as Record<string, unknown>;
    }
  } else if (explicit !== undefined) {
    problems.push({
      path: '--config',
      message: `config file not found: ${candidate}`,
      hint: 'check the path, or run `cosell init` to write one',
    });
  }
  const baseDir = fileName ? dirname(fileName) : cwd;
  const lineOf = lineLookup(doc, counter);

  raw = interpolate(raw, [], env, problems, lineOf) as Record<string, unknown>;
  problems.push(...applyEnvOverrides(raw, env));
  if (options.overrides) raw = deepMerge(raw, options.overrides);

  const result = configSchema.safeParse(raw);
  if (!result.success)
    for (const issue of result.error.issues) problems.push(...issueToProblem(issue, lineOf));
  problems.push(...crossFieldProblems(raw, lineOf));
  if (result.success) problems.push(...fileProblems(result.data, baseDir, lineOf));

  const config = result.success && problems.length === 0 ? resolvePaths(result.data, baseDir) : null;
  return { config, problems, fileName, baseDir };
}

/** Loads and validates; throws ConfigError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const check = checkConfig(options);
  if (!check.config) throw new ConfigError(check.problems, check.fileName);
  return { config: check.config, fileName: check.fileName, baseDir: check.baseDir };
}

function resolvePaths(config: CosellConfig, baseDir: string): CosellConfig {
  const abs = (file: string | undefined) =>
    file === undefined || isAbsolute(file) ? file : resolve(baseDir, file);
  const copy = structuredClone(config);
  copy.store.path = abs(copy.store.path) ?? copy.store.path;
  const assign = <T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined) => {
    if (value !== undefined) target[key] = value;
  };
  assign(copy.salesforce.auth, 'privateKeyFile', abs(copy.salesforce.auth.privateKeyFile));
  assign(copy.partnerCenter, 'trustedCaFile', abs(copy.partnerCenter.trustedCaFile));
  assign(copy.partnerCenter.webhook, 'trustedRootsFile', abs(copy.partnerCenter.webhook.trustedRootsFile));
  assign(copy.sync, 'mappingFile', abs(copy.sync.mappingFile));
  return Object.freeze(copy) as CosellConfig;
}
