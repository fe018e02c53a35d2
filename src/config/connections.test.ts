import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './configProblem.ts';
import { configForFile, eachConnectionConfig, selectConnection } from './connectionConfig.ts';
import { checkConfig, loadConfig } from './loadConfig.ts';

function writeConfig(text: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-connections-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const file = join(dir, 'cosell.yaml');
  writeFileSync(file, text);
  return file;
}

const pair = (id: string, tenant: string, extra = '') => `
  - id: ${id}
    partnerCenter:
      tenantId: ${tenant}
      clientId: 66666666-7777-8888-9999-000000000000
    salesforce:
      loginUrl: https://${id}.my.salesforce.com
      auth:
        flow: clientCredentials
        clientId: 3MVG9-${id}
        clientSecret: s3cret${extra}`;

const TWO = `
sync:
  pollIntervalSeconds: 10
connections:${pair('emea', '11111111-2222-3333-4444-555555555555')}
    sync:
      mappingFile: emea-mapping.yaml
      concurrency: 2
      salesforceApiBudgetRatio: 0.5${pair('amer', 'aaaaaaaa-2222-3333-4444-555555555555')}
`;

describe('several connections in one config', () => {
  it('lists each pair with its own sections; the top-level sync gives defaults; paths resolve per pair', () => {
    const file = writeConfig(TWO, { 'emea-mapping.yaml': 'version: 1\n' });
    const { config } = loadConfig({ file, env: {} });
    expect(config.connections.map((connection) => connection.id)).toEqual(['emea', 'amer']);
    const [emea, amer] = eachConnectionConfig(config);
    expect(emea?.connectionId).toBe('emea');
    expect(emea?.partnerCenter.tenantId).toBe('11111111-2222-3333-4444-555555555555');
    expect(emea?.sync).toMatchObject({
      pollIntervalSeconds: 10,
      concurrency: 2,
      salesforceApiBudgetRatio: 0.5,
      mappingFile: join(file, '..', 'emea-mapping.yaml'),
    });
    expect(amer?.connectionId).toBe('amer');
    expect(amer?.salesforce.loginUrl).toBe('https://amer.my.salesforce.com');
    expect(amer?.sync).toMatchObject({ pollIntervalSeconds: 10, salesforceApiBudgetRatio: 0.8 });
    expect(amer?.sync.concurrency).toBeUndefined();
    // Shared sections are the same for both.
    expect(amer?.store).toEqual(emea?.store);
    // The top level is the first connection, for code that serves one.
    expect(config.connectionId).toBe('emea');
  });

  it('keeps a config without the list one connection named by connectionId (default: default)', () => {
    const single = `
partnerCenter:
  tenantId: 11111111-2222-3333-4444-555555555555
  clientId: 66666666-7777-8888-9999-000000000000
salesforce:
  auth: { flow: clientCredentials, clientId: x, clientSecret: y }
`;
    const { config } = loadConfig({ file: writeConfig(single), env: {} });
    expect(config.connectionId).toBe('default');
    expect(config.connections).toEqual([
      {
        id: 'default',
        partnerCenter: config.partnerCenter,
        salesforce: config.salesforce,
        sync: config.sync,
      },
    ]);
    const named = loadConfig({ file: writeConfig(`connectionId: acme\n${single}`), env: {} }).config;
    expect(named.connections.map((connection) => connection.id)).toEqual(['acme']);
  });

  it('reports duplicate ids, a list beside top-level sections, and a pair missing its tenant, each saying what to do', () => {
    const file = writeConfig(`
connectionId: x
partnerCenter:
  tenantId: 11111111-2222-3333-4444-555555555555
connections:${pair('emea', '11111111-2222-3333-4444-555555555555')}${pair('emea', 'aaaaaaaa-2222-3333-4444-555555555555')}
  - id: apac
    salesforce:
      auth: { flow: clientCredentials, clientId: x, clientSecret: y }
`);
    const check = checkConfig({ file, env: {} });
    expect(check.config).toBeNull();
    const byPath = Object.fromEntries(check.problems.map((problem) => [problem.path, problem]));
    expect(Object.keys(byPath).sort()).toEqual([
      'connectionId',
      'connections.1.id',
      'connections.2.partnerCenter.clientId',
      'connections.2.partnerCenter.tenantId',
      'partnerCenter',
    ]);
    expect(byPath['connections.1.id']?.message).toBe('connection id emea is used twice');
    expect(byPath['partnerCenter']?.hint).toMatch(/move it into each entry of `connections`/);
    expect(byPath['partnerCenter']?.line).toBe(4);
    expect(byPath['connectionId']?.hint).toMatch(/each entry of `connections` has its own id/);
  });

  it('reports a missing id, an empty list and a missing file at the connection that has it', () => {
    const noId = checkConfig({
      file: writeConfig(`connections:\n  - partnerCenter: { tenantId: t, clientId: c }\n`),
      env: {},
    });
    expect(noId.problems.map((problem) => `${problem.path}: ${problem.message}`)).toContain(
      'connections.0.id: is missing',
    );
    const empty = checkConfig({ file: writeConfig('connections: []\n'), env: {} });
    expect(empty.problems.map((problem) => problem.path)).toEqual(['connections']);
    const missingFile = checkConfig({ file: writeConfig(TWO), env: {} });
    expect(missingFile.problems).toEqual([
      expect.objectContaining({ path: 'connections.0.sync.mappingFile', line: 16 }),
    ]);
  });

  it('selects the connection --connection names, and asks for one when a command acts on one of several', () => {
    const { config } = loadConfig({
      file: writeConfig(TWO, { 'emea-mapping.yaml': 'version: 1\n' }),
      env: {},
    });
    const amer = selectConnection(config, 'amer');
    expect(amer.connectionIds).toEqual(['amer']);
    expect(amer.config.connectionId).toBe('amer');
    expect(amer.config.partnerCenter.tenantId).toBe('aaaaaaaa-2222-3333-4444-555555555555');
    // The file's pairs stay listed (the first one keeps the unprefixed webhook path).
    expect(amer.config.connections.map((connection) => connection.id)).toEqual(['emea', 'amer']);
    expect(selectConnection(config, undefined, { all: true }).connectionIds).toEqual(['emea', 'amer']);
    expect(() => selectConnection(config, undefined)).toThrow(ConfigError);
    expect(() => selectConnection(config, undefined)).toThrow(
      /--connection.*lists 2 connections \(emea, amer\)/s,
    );
    expect(() => selectConnection(config, 'apac')).toThrow(/no connection apac.*use one of: emea, amer/s);
  });
});

describe('a loaded config written back to a file', () => {
  it('loads again as the same connections (its top level mirrors the first connection)', () => {
    const file = writeConfig(TWO, { 'emea-mapping.yaml': 'version: 1\n' });
    const { config } = loadConfig({ file, env: {} });
    const again = loadConfig({ file: writeConfig(JSON.stringify(config)), env: {} }).config;
    expect(again.connections).toEqual(config.connections);
    expect(again.connectionId).toBe('emea');
    // As a file says it: the list alone, or (one connection) the top-level sections alone.
    expect(Object.keys(configForFile(config))).not.toContain('partnerCenter');
    const amer = selectConnection(config, 'amer').config;
    const reloaded = loadConfig({ file: writeConfig(JSON.stringify(configForFile(amer))), env: {} }).config;
    expect(reloaded.connections).toEqual(config.connections);
  });
});
