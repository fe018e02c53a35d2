/**
 * `cosell webhooks register|show|test` and doctor's webhook check against the sandbox, over a tenant
 * registration that other tools and another environment also use.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runDoctor } from '../../src/cli/commands/doctor.ts';
import { main } from '../../src/cli/main.ts';
import { WEBHOOK_PATH } from '../../src/http/routes/postPartnerCenterWebhook.ts';
import { CONNECTOR_WEBHOOK_EVENTS } from '../../src/partner-center/webhookRegistrationPlan.ts';
import { freePort, TEST_SECRET_KEY } from '../support/childProcess.ts';
import { memoryIo } from '../support/memoryIo.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandboxHarness.ts';

let sandbox: TestSandbox;
let receiverUrl: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  receiverUrl = `${sandbox.urls.connector}${WEBHOOK_PATH}`;
}, 120_000);
afterAll(async () => {
  await sandbox?.stop();
});

function environment(): NodeJS.ProcessEnv {
  return { COSELL_SECRET_KEY: TEST_SECRET_KEY, COSELL_SERVER_PUBLIC_URL: sandbox.urls.connector };
}

/** Runs one cosell command in-process on the sandbox's config, as this environment (publicUrl = the sandbox). */
async function cosell(...args: string[]) {
  return cosellWith({}, ...args);
}

async function cosellWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  return cosellOn(join(sandbox.dir, 'cosell.yaml'), env, ...args);
}

async function cosellOn(configFile: string, env: NodeJS.ProcessEnv, ...args: string[]) {
  const { io, out, err } = memoryIo(sandbox.dir);
  io.env = { ...environment(), ...env };
  const code = await main(['node', 'cosell', ...args, '--config', configFile], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function registration(): Promise<Record<string, unknown>> {
  return JSON.parse((await cosell('webhooks', 'show', '--json')).out).registration;
}

describe('webhook registration over the tenant’s one registration', () => {
  it('shows that the sandbox receives the co-sell events, and registering the same URL again is not an error', async () => {
    const shown = await cosell('webhooks', 'show');
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(receiverUrl);
    expect(shown.out).toContain(`co-sell events: ${CONNECTOR_WEBHOOK_EVENTS.join(', ')}`);

    const again = await cosell('webhooks', 'register');
    expect(again.code).toBe(0);
    expect(again.out).toContain('Already registered');
  });

  it('says when notifications go to another environment, and moves them here only as far as the flags allow', async () => {
    // Another environment (say production's Power Automate flow) saved the latest co-sell configuration,
    // and the tenant's billing tool had added invoice-ready.
    await sandbox.pc('PUT', '/__emulator/webhook-registration', {
      WebhookUrl: 'https://prod-flow.example/trigger',
      WebhookEvents: [...CONNECTOR_WEBHOOK_EVENTS, 'invoice-ready'],
    });
    const shown = await cosell('webhooks', 'show');
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(
      `notifications go to https://prod-flow.example/trigger, not to this environment (${receiverUrl})`,
    );
    expect(shown.out).toContain('latest co-sell configuration');
    expect(shown.out).toContain("other tools' events: invoice-ready");

    const doctorIo = memoryIo(sandbox.dir).io;
    doctorIo.env = environment();
    const doctor = await runDoctor(doctorIo, { config: join(sandbox.dir, 'cosell.yaml') });
    expect(doctor.find((check) => check.check === 'Webhook registration')).toMatchObject({
      ok: false,
      severity: 'warning',
      detail: expect.stringContaining('not to this environment'),
      fix: expect.stringContaining('cosell webhooks register --overwrite'),
    });

    const plain = await cosell('webhooks', 'register');
    expect(plain.code).toBe(1);
    expect(plain.out).toContain('Current registration:');
    expect(plain.err).toContain('Pass --overwrite to point it here');

    const overwrite = await cosell('webhooks', 'register', '--overwrite');
    expect(overwrite.code).toBe(1);
    expect(overwrite.err).toContain('invoice-ready (registered by another tool) would go to');
    expect(overwrite.err).toContain('--force');
    expect(await registration()).toMatchObject({ webhookUrl: 'https://prod-flow.example/trigger' });

    const forced = await cosell('webhooks', 'register', '--overwrite', '--force');
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('https://prod-flow.example/trigger no longer receives events.');
    expect(await registration()).toMatchObject({
      webhookUrl: receiverUrl,
      webhookEvents: [...CONNECTOR_WEBHOOK_EVENTS, 'invoice-ready'],
    });
    expect((await cosell('webhooks', 'show')).code).toBe(0);
  });

  it('webhooks test reports a delivery to the running receiver, and fails at once, saying so, when nothing answers', async () => {
    const delivered = await cosell('webhooks', 'test');
    expect(delivered.err).toBe('');
    expect(delivered.out).toContain(`✔ delivered to ${receiverUrl}`);
    expect(delivered.code).toBe(0);

    const downUrl = `http://127.0.0.1:${await freePort()}${WEBHOOK_PATH}`;
    expect((await cosell('webhooks', 'register', '--url', downUrl, '--overwrite', '--force')).code).toBe(0);
    const down = await cosell('webhooks', 'test');
    expect(down.code).toBe(1);
    expect(down.err).toContain(`Nothing answers at ${downUrl} (ECONNREFUSED)`);
    expect(down.err).toContain('cosell serve');
    // Nothing was asked of Partner Center: no test event went out.
    const deliveries = (await sandbox.pc('GET', '/__emulator/webhook-deliveries')) as unknown as {
      url: string;
    }[];
    expect(JSON.stringify(deliveries)).not.toContain(downUrl);
  });

  it('names the setting to fix when the tenant id, the client id or the authority URL is wrong', async () => {
    const wrongTenant = await cosellWith(
      { COSELL_PARTNER_CENTER_TENANT_ID: '0c1d2e3f-0000-4000-8000-000000000000' },
      'webhooks',
      'show',
    );
    expect(wrongTenant.code).toBe(1);
    expect(wrongTenant.err).toContain(
      'partnerCenter.tenantId 0c1d2e3f-0000-4000-8000-000000000000 is not a tenant the Microsoft sign-in service knows',
    );
    expect(wrongTenant.err).not.toContain('could not be reached');

    const wrongClient = await cosellWith(
      { COSELL_PARTNER_CENTER_CLIENT_ID: '5a6b7c8d-0000-4000-8000-000000000000' },
      'webhooks',
      'show',
    );
    expect(wrongClient.code).toBe(1);
    expect(wrongClient.err).toContain('but partnerCenter.clientId is 5a6b7c8d-0000-4000-8000-000000000000');

    const unreachable = await cosellWith(
      { COSELL_PARTNER_CENTER_AUTHORITY_URL: `https://127.0.0.1:${await freePort()}` },
      'webhooks',
      'show',
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(
      /partnerCenter\.authorityUrl \(https:\/\/127\.0\.0\.1:\d+\) cannot be reached \(ECONNREFUSED\)/,
    );
    expect(unreachable.err).not.toContain('cosell connect');
  });
});

describe('the Webhooks API called by the app itself (webhooksSignIn.kind: appOnly)', () => {
  const ADMIN = 'admin@contoso-partner.example';
  let appConfig: string;
  let secret: string;
  beforeAll(() => {
    // The same sandbox config, with the Webhooks API called through client credentials of the emulator's
    // confidential (web) app; its secret comes from the environment, as the docs say to write it.
    const config = parse(readFileSync(join(sandbox.dir, 'cosell.yaml'), 'utf8')) as {
      partnerCenter: Record<string, unknown>;
    };
    const app = sandbox.emulators.partnerCenter.confidentialClient;
    secret = app.clientSecret;
    config.partnerCenter['webhooksSignIn'] = {
      kind: 'appOnly',
      clientId: app.clientId,
      clientSecret: '${PC_WEBHOOKS_APP_SECRET}',
    };
    appConfig = join(sandbox.dir, 'app-only.yaml');
    writeFileSync(appConfig, stringify(config));
  });
  afterAll(async () => {
    await sandbox.pc('PATCH', `/__emulator/users/${ADMIN}`, { roles: ['ReferralsAdmin', 'AdminAgent'] });
  });

  it('shows, registers and checks the registration with app-only tokens when the admin has no Webhooks role', async () => {
    // The registration points here again (the tests above moved it).
    await sandbox.pc('PUT', '/__emulator/webhook-registration', {
      WebhookUrl: receiverUrl,
      WebhookEvents: [...CONNECTOR_WEBHOOK_EVENTS],
    });
    // The Referrals admin loses the role the Webhooks API needs: the user sign-in is refused, the app is not.
    await sandbox.pc('PATCH', `/__emulator/users/${ADMIN}`, { roles: ['ReferralsAdmin'] });
    await sandbox.pc('POST', '/__emulator/access-tokens/expire');
    const asUser = await cosell('webhooks', 'show');
    expect(asUser.code).toBe(1);

    const env = { PC_WEBHOOKS_APP_SECRET: secret };
    const shown = await cosellOn(appConfig, env, 'webhooks', 'show');
    expect(shown).toMatchObject({ code: 0, err: '' });
    expect(shown.out).toContain(receiverUrl);
    const registered = await cosellOn(appConfig, env, 'webhooks', 'register');
    expect(registered).toMatchObject({ code: 0, err: '' });
    expect(registered.out).toContain('Already registered');

    const { io, out } = memoryIo(sandbox.dir);
    io.env = { ...environment(), ...env };
    const code = await main(['node', 'cosell', 'doctor', '--json', '--config', appConfig], io);
    const checks = (
      JSON.parse(out.join('\n')) as { checks: { check: string; ok: boolean; detail: string }[] }
    ).checks;
    const access = checks.find((check) => check.check === 'Webhooks API access');
    expect(access).toMatchObject({ ok: true });
    expect(access?.detail).toContain(
      `app ${sandbox.emulators.partnerCenter.confidentialClient.clientId} (app-only)`,
    );
    expect(checks.find((check) => check.check === 'Webhooks API sign-in')).toBeUndefined();
    expect(code === 0 || code === 1).toBe(true);
    for (const text of [shown.out, shown.err, registered.out, out.join('\n')])
      expect(text).not.toContain(secret);
  });

  it('says which settings to check when the app secret is wrong, without showing it', async () => {
    const wrong = `wrong-${secret.slice(0, 6)}-secret`;
    const shown = await cosellOn(appConfig, { PC_WEBHOOKS_APP_SECRET: wrong }, 'webhooks', 'show');
    expect(shown.code).toBe(1);
    expect(shown.err).not.toContain(wrong);
    const { io, out } = memoryIo(sandbox.dir);
    io.env = { ...environment(), PC_WEBHOOKS_APP_SECRET: wrong };
    await main(['node', 'cosell', 'doctor', '--json', '--config', appConfig], io);
    const checks = (
      JSON.parse(out.join('\n')) as { checks: { check: string; ok: boolean; fix: string | null }[] }
    ).checks;
    const access = checks.find((check) => check.check === 'Webhooks API access');
    expect(access).toMatchObject({ ok: false });
    expect(access?.fix).toContain('partnerCenter.webhooksSignIn.clientId and clientSecret');
    expect(out.join('\n')).not.toContain(wrong);
  });

  it('refuses `connect partner-center --webhooks`: there is nobody to sign in', async () => {
    const connected = await cosellOn(
      appConfig,
      { PC_WEBHOOKS_APP_SECRET: secret },
      'connect',
      'partner-center',
      '--webhooks',
    );
    expect(connected.code).toBe(2);
    expect(connected.err).toContain('partnerCenter.webhooksSignIn.kind: appOnly');
  });
});
