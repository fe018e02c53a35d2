import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import {
  COSELL_BIN,
  childEnv,
  freePort,
  REPO_ROOT,
  runCosell,
  spawnTracked,
  type TrackedProcess,
} from '../support/childProcess.ts';

const started: TrackedProcess[] = [];
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-cli-'));
  dirs.push(dir);
  return dir;
};
const envWithout = (name: string): NodeJS.ProcessEnv => {
  const env = childEnv();
  delete env[name];
  return env;
};
const cosell = (args: string[], env = childEnv()) => {
  const child = spawnTracked(process.execPath, [COSELL_BIN, ...args], { env });
  started.push(child);
  return child;
};

afterAll(async () => {
  for (const child of started) await child.stop('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The config every check below starts from: complete and valid for the password flow. */
const VALID_CONFIG = `connectionId: contoso-prod
server:
  port: 3000
partnerCenter:
  tenantId: 11111111-2222-3333-4444-555555555555
  clientId: 66666666-7777-8888-9999-000000000000
salesforce:
  auth:
    flow: password
    clientId: connected-app-id
    clientSecret: connected-app-secret
    username: integration@example.com
    password: integration-password
sync:
  pollIntervalSeconds: 30
`;

describe('the cosell command as a person runs it', () => {
  it('`cosell sandbox` prints its URLs, seeds demo data, logs live activity, answers /api/status and stops on SIGINT', async () => {
    const [port, pcPort, sfPort, identityPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const dir = tempDir();
    const sandbox = cosell(
      [
        'sandbox',
        ...['--port', String(port), '--pc-port', String(pcPort), '--sf-port', String(sfPort)],
        ...['--identity-port', String(identityPort), '--dir', join(dir, 'state'), '--log-level', 'error'],
      ],
      // As a person runs it: no key in the environment, the sandbox makes its own.
      envWithout('COSELL_SECRET_KEY'),
    );
    await sandbox.waitForLine(/^Live activity \(Ctrl\+C to stop\):$/, 50_000);
    const out = sandbox.stdoutLines;
    expect(out).toContain(
      `  connector API        http://127.0.0.1:${port}  (status: http://127.0.0.1:${port}/api/status)`,
    );
    expect(out).toContain(`  Partner Center emu   http://127.0.0.1:${pcPort}  (control API: /__emulator/…)`);
    expect(out).toContain(
      `  Salesforce emu       http://127.0.0.1:${sfPort}  (token: POST /__emulator/token)`,
    );
    expect(out).toContain(`  Entra ID emu         https://127.0.0.1:${identityPort}`);
    const seeded = out.find((line) => line.trimStart().startsWith('demo data'));
    expect(seeded).toMatch(/demo data\s+[1-9]\d* Microsoft referrals, [1-9]\d* opportunities/);

    // The live activity log: one line per deal sync, "HH:MM:SS <icon> <message>".
    const activity = await sandbox.waitForLine(/^\d\d:\d\d:\d\d [＋✔⏸–✖] \S/, 30_000);
    expect(out.indexOf(activity)).toBeGreaterThan(out.indexOf('Live activity (Ctrl+C to stop):'));

    const status = await fetch(`http://127.0.0.1:${port}/api/status`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      connectionId: 'sandbox',
      connection: { state: 'active' },
      links: expect.objectContaining({ synced: expect.any(Number) }),
      queue: expect.objectContaining({ pending: expect.any(Number) }),
    });

    sandbox.child.kill('SIGINT');
    const exit = await sandbox.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(out).toContain('Stopping (SIGINT)…');
    expect(out.at(-1)).toBe('Stopped.');
    await expect(fetch(`http://127.0.0.1:${port}/api/status`)).rejects.toThrow();
  });

  it('`cosell emulate` on port 0 prints exactly one JSON line whose three URLs answer', async () => {
    const emulate = cosell(['emulate', '--pc-port', '0', '--sf-port', '0', '--identity-port', '0']);
    const line = await emulate.waitForLine(/^\{/);
    const urls = JSON.parse(line) as { partnerCenter: string; salesforce: string; identity: string };
    expect(Object.keys(urls).sort()).toEqual(['identity', 'partnerCenter', 'salesforce']);

    const referrals = await fetch(`${urls.partnerCenter}/__emulator/referrals`);
    expect(referrals.status).toBe(200);
    expect(await referrals.json()).toEqual([]);
    const token = await fetch(`${urls.salesforce}/__emulator/token`, { method: 'POST' });
    expect(token.status).toBe(200);
    expect(await token.json()).toMatchObject({ access_token: expect.any(String) });
    // The identity emulator is HTTPS with a test CA the test does not hold: only that it answers is checked.
    const insecure = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const discovery = await fetch(`${urls.identity}/common/v2.0/.well-known/openid-configuration`, {
        dispatcher: insecure,
      });
      expect(discovery.status).toBe(200);
      expect(await discovery.json()).toMatchObject({
        token_endpoint: expect.stringContaining(urls.identity),
      });
    } finally {
      await insecure.close();
    }

    emulate.child.kill('SIGINT');
    expect((await emulate.exited).code).toBe(0);
    expect(emulate.stdoutLines.filter((text) => text.trim() !== '')).toEqual([line]);
  });

  it('`cosell config check` names all three mistakes of a file and exits 2; the corrected file passes', async () => {
    const dir = tempDir();
    const broken = join(dir, 'broken.yaml');
    writeFileSync(
      broken,
      VALID_CONFIG.replace('contoso-prod', '"contoso prod!"')
        .replace('port: 3000', 'port: 70000')
        .replace('pollIntervalSeconds: 30', 'pollIntervalSeconds: -5'),
    );
    const check = await runCosell(['config', 'check', '--config', broken]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('3 problems');
    expect(check.stderr).toMatch(/✖ connectionId \(line 1\): /);
    expect(check.stderr).toMatch(/✖ server\.port \(line 3\): .*65535/);
    expect(check.stderr).toMatch(/✖ sync\.pollIntervalSeconds \(line 15\): /);

    const json = await runCosell(['config', 'check', '--json', '--config', broken]);
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; problems: { path: string }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.problems.map((problem) => problem.path)).toEqual([
      'connectionId',
      'server.port',
      'sync.pollIntervalSeconds',
    ]);

    const fixed = join(dir, 'fixed.yaml');
    writeFileSync(fixed, VALID_CONFIG);
    const ok = await runCosell(['config', 'check', '--config', fixed]);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toContain('configuration is valid');
  });

  it('an unknown command exits 2 and says so', async () => {
    const run = await runCosell(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'frobnicate'");
  });

  it('`npx cosell --help` lists the commands and exits 0', async () => {
    const help = spawnTracked('npx', ['--no-install', 'cosell', '--help'], { cwd: REPO_ROOT });
    started.push(help);
    const exit = await help.exited;
    expect(exit.code).toBe(0);
    const text = help.stdoutLines.join('\n');
    expect(text).toContain('Usage: cosell [options] [command]');
    for (const command of ['sandbox', 'serve', 'worker', 'sync', 'emulate', 'doctor', 'webhooks'])
      expect(text).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });
});
