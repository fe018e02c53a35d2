import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../test/support/memoryIo.ts';
import { main } from './main.ts';

let busy: Server;
let busyPort: number;

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => busy.close(() => resolve()));
});

describe('cosell main', () => {
  it('advises the port flags the command that failed to listen actually has', async () => {
    const { io, err } = memoryIo(mkdtempSync(join(tmpdir(), 'cosell-main-')));
    const code = await main(
      ['node', 'cosell', 'emulate', '--pc-port', String(busyPort), '--sf-port', '0', '--identity-port', '0'],
      io,
    );
    expect(code).toBe(1);
    const text = err.join('\n');
    expect(text).toContain(`127.0.0.1:${busyPort} is already in use`);
    expect(text).toContain('--pc-port, --sf-port and --identity-port');
    expect(text).not.toMatch(/--port\b/);
  });

  it('says the config file is missing, once, when a command runs where there is none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosell-main-'));
    const { io, err } = memoryIo(dir);
    expect(await main(['node', 'cosell', 'status'], io)).toBe(2);
    expect(err.join('\n')).toBe(
      `configuration: 1 problem\n  ✖ cosell.yaml: config file not found: ${join(dir, 'cosell.yaml')}\n      → run the command in the folder that holds cosell.yaml, pass --config FILE, or run \`cosell init\` to write one`,
    );
  });

  it('exits 1 naming where link ids are listed when retry, unlink or audit --link get an unknown id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosell-main-'));
    writeFileSync(
      join(dir, 'cosell.yaml'),
      [
        'store: { kind: sqlite, path: ./cosell.db }',
        'partnerCenter: { tenantId: t, clientId: c }',
        'salesforce: { auth: { flow: clientCredentials, clientId: id, clientSecret: s } }',
        '',
      ].join('\n'),
    );
    for (const args of [
      ['retry', 'no-such-link'],
      ['unlink', 'no-such-link'],
      ['audit', '--link', 'no-such-link'],
    ]) {
      const { io, err } = memoryIo(dir);
      expect(await main(['node', 'cosell', ...args], io)).toBe(1);
      expect(err.join('\n')).toContain(
        'No link no-such-link in connection default; the link ids are in `cosell audit`',
      );
    }
  });
});

describe('cosell with a config of several connections', () => {
  const twoConnections = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosell-main-'));
    const pair = (id: string) =>
      `  - { id: ${id}, partnerCenter: { tenantId: t-${id}, clientId: c }, salesforce: { auth: { flow: clientCredentials, clientId: x, clientSecret: y } } }`;
    writeFileSync(
      join(dir, 'cosell.yaml'),
      ['store: { kind: sqlite, path: ./cosell.db }', 'connections:', pair('east'), pair('west')].join('\n'),
    );
    return dir;
  };

  it('asks which connection a command acts on, and reports status for each connection or the one named', async () => {
    const dir = twoConnections();
    const audit = memoryIo(dir);
    expect(await main(['node', 'cosell', 'audit'], audit.io)).toBe(2);
    expect(audit.err.join('\n')).toContain(
      '--connection: is missing: this config lists 2 connections (east, west)',
    );

    const named = memoryIo(dir);
    expect(await main(['node', 'cosell', 'audit', '--connection', 'west', '--json'], named.io)).toBe(0);
    expect(JSON.parse(named.out.join(''))).toEqual({ entries: [] });

    const unknown = memoryIo(dir);
    expect(await main(['node', 'cosell', 'config', 'check', '--connection', 'north'], unknown.io)).toBe(2);
    expect(unknown.err.join('\n')).toContain('no connection north in this config');

    const all = memoryIo(dir);
    expect(await main(['node', 'cosell', 'status', '--json'], all.io)).toBe(0);
    const status = JSON.parse(all.out.join('')) as {
      connectionId: string;
      connections: { connectionId: string }[];
    };
    expect(status.connections.map((each) => each.connectionId)).toEqual(['east', 'west']);
    expect(status.connectionId).toBe('east');

    const one = memoryIo(dir);
    expect(await main(['node', 'cosell', 'status', '--json', '--connection', 'west'], one.io)).toBe(0);
    const west = JSON.parse(one.out.join('')) as { connectionId: string; connections: unknown[] };
    expect(west.connectionId).toBe('west');
    expect(west.connections).toHaveLength(1);
  });
});
