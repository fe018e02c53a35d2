import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  COSELL_BIN,
  childEnv,
  runCosell,
  spawnEmulateWritingConfig,
  spawnTracked,
  TEST_SECRET_KEY,
  type TrackedProcess,
} from '../support/childProcess.ts';
import { waitFor } from '../support/sandboxHarness.ts';

type Check = { check: string; ok: boolean; severity: string; detail: string; fix: string | null };

/**
 * `cosell connect partner-center` in the browser (authorization code + PKCE, loopback redirect), MFA and
 * the separate Webhooks API sign-in, as subprocesses against `cosell emulate`. The test plays the browser.
 */
describe('cosell connect partner-center and cosell doctor: browser sign-in, MFA, roles per API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-pc-signin-'));
  const env = childEnv({ COSELL_SECRET_KEY: TEST_SECRET_KEY });
  const file = join(dir, 'cosell.yaml');
  let emulate: TrackedProcess;
  let pcUrl = '';
  let agent: Agent;

  beforeAll(async () => {
    const written = join(dir, 'emulated.yaml');
    emulate = spawnEmulateWritingConfig(written, env);
    pcUrl = (JSON.parse(await emulate.waitForLine(/^\{/, 30_000)) as { partnerCenter: string }).partnerCenter;
    // The browser flow (the default without the emulator config's device code), and a separate Webhooks sign-in.
    const config = parse(readFileSync(written, 'utf8')) as { partnerCenter: Record<string, unknown> };
    delete config.partnerCenter['signIn'];
    config.partnerCenter['webhooksSignIn'] = { kind: 'separateUser' };
    writeFileSync(file, stringify(config));
    agent = new Agent({ connect: { ca: readFileSync(join(dir, 'emulator-ca.pem'), 'utf8') } });
  }, 60_000);
  afterAll(async () => {
    await emulate?.stop('SIGINT');
    await agent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const control = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${pcUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
  };

  /** Runs connect, opens the URL it prints like a browser would, and waits for it to finish. */
  async function connectInBrowser(extra: string[] = []) {
    const run = spawnTracked(
      process.execPath,
      [COSELL_BIN, 'connect', 'partner-center', '--config', file, ...extra],
      {
        env,
      },
    );
    const url = await waitFor('the sign-in URL on stderr', () =>
      run.stderrLines.find((line) => line.startsWith('https://') && line.includes('/oauth2/v2.0/authorize')),
    );
    const page = await fetch(url, { dispatcher: agent });
    const { code } = await run.exited;
    return {
      code,
      page: await page.text(),
      stdout: run.stdoutLines.join('\n'),
      stderr: run.stderrLines.join('\n'),
    };
  }

  async function doctor(): Promise<Map<string, Check>> {
    const result = await runCosell(['doctor', '--json', '--config', file], { env });
    const checks = (JSON.parse(result.stdout) as { checks: Check[] }).checks;
    return new Map(checks.map((check) => [check.check, check]));
  }

  it('signs the Referrals admin in through the browser; doctor shows MFA, the renewal date and access per API', async () => {
    const connected = await connectInBrowser();
    expect(connected.stderr).toMatch(/code_challenge_method=S256/);
    expect(connected.page).toContain('You can close this tab');
    expect(connected.stdout).toMatch(
      /Signed in to Partner Center as admin@contoso-partner\.example .*with MFA/,
    );
    expect(connected.code).toBe(0);

    const checks = await doctor();
    expect(checks.get('Partner Center sign-in')).toMatchObject({ ok: true });
    expect(checks.get('Partner Center sign-in')?.detail).toMatch(/admin@contoso-partner\.example.*with MFA/);
    expect(checks.get('Partner Center sign-in renewal')?.ok).toBe(true);
    expect(checks.get('Partner Center sign-in renewal')?.detail).toMatch(
      /lapses on \d{4}-\d{2}-\d{2} \(8\d days/,
    );
    expect(checks.get('Referrals API access')?.ok).toBe(true);
    // No separate Webhooks sign-in yet.
    expect(checks.get('Webhooks API sign-in')).toMatchObject({ ok: false, severity: 'warning' });
    expect(checks.get('Webhooks API sign-in')?.fix).toContain('cosell connect partner-center --webhooks');
    const show = await runCosell(['webhooks', 'show', '--config', file], { env });
    expect(show.stderr).toContain('run `cosell connect partner-center --webhooks`');
    expect(show.code).toBe(1);
  });

  it('signs a separate user in for the Webhooks API; doctor names the role that user lacks', async () => {
    await control('POST', '/__emulator/sign-in-user', { username: 'events@contoso-partner.example' });
    const connected = await connectInBrowser(['--webhooks']);
    expect(connected.stdout).toContain(
      'Signed in to Partner Center Webhooks API as events@contoso-partner.example',
    );
    expect(connected.code).toBe(0);
    const register = await runCosell(
      ['webhooks', 'register', '--url', 'http://127.0.0.1:9/webhooks/partner-center', '--config', file],
      { env },
    );
    expect(register.code).toBe(0);
    let checks = await doctor();
    expect(checks.get('Webhooks API sign-in')?.ok).toBe(true);
    expect(checks.get('Webhooks API access')?.ok).toBe(true);
    expect(checks.get('Webhook registration')?.detail).toContain(
      'http://127.0.0.1:9/webhooks/partner-center',
    );

    await control('PATCH', '/__emulator/users/events@contoso-partner.example', { roles: [] });
    checks = await doctor();
    expect(checks.get('Webhooks API access')).toMatchObject({ ok: false, severity: 'warning' });
    expect(checks.get('Webhooks API access')?.detail).toMatch(
      /events@contoso-partner\.example lacks a role .*Billing admin, Admin agent, Sales agent or Helpdesk agent/,
    );
    expect(checks.get('Referrals API access')?.ok).toBe(true);
    await control('PATCH', '/__emulator/users/events@contoso-partner.example', { roles: ['BillingAdmin'] });
    await control('POST', '/__emulator/sign-in-user', { username: null });
  });

  it('refuses a sign-in without MFA at connect time, pauses the connection, and doctor says what to do', async () => {
    await control('PATCH', '/__emulator/users/admin@contoso-partner.example', { mfa: false });
    try {
      const connected = await runCosell(['connect', 'partner-center', '--device-code', '--config', file], {
        env,
      });
      expect(connected.stderr).toMatch(/did not use multifactor authentication/);
      expect(connected.code).toBe(1);
      const status = await runCosell(['status', '--json', '--config', file], { env });
      expect(JSON.parse(status.stdout)).toMatchObject({ connection: { state: 'paused' } });
      const checks = await doctor();
      expect(checks.get('Partner Center sign-in')).toMatchObject({ ok: false, severity: 'error' });
      expect(checks.get('Partner Center sign-in')?.detail).toMatch(/without MFA \(amr: pwd\)/);
      expect(checks.get('Partner Center sign-in')?.fix).toMatch(
        /sign in with MFA.*cosell connect partner-center/,
      );
      expect(checks.get('Referrals API access')?.detail).toMatch(/900421/);
    } finally {
      await control('PATCH', '/__emulator/users/admin@contoso-partner.example', { mfa: true });
    }
    const again = await connectInBrowser();
    expect(again.code).toBe(0);
    const status = await runCosell(['status', '--json', '--config', file], { env });
    expect(JSON.parse(status.stdout)).toMatchObject({ connection: { state: 'active' } });
  });
});
