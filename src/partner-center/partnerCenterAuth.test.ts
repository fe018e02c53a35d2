import { randomBytes } from 'node:crypto';
import { Agent, fetch } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmulatorClient, startEmulatorClient } from '../../test/support/partnerCenterEmulatorKit.ts';
import { rejectionOf } from '../../test/support/rejectionOf.ts';
import { sqliteBackend } from '../../test/support/testStores.ts';
import { SecretBox, SecretVault } from '../store/secretBox.ts';
import type { Store } from '../store/store.ts';
import {
  type DeviceCodePrompt,
  missingMfaMessage,
  PartnerCenterAppAuth,
  PartnerCenterAuth,
  REFERRALS_SCOPE,
  REFRESH_TOKEN_INACTIVITY_DAYS,
  SIGN_IN_AGAIN_MESSAGE,
  WEBHOOKS_SCOPE,
} from './partnerCenterAuth.ts';
import { ReferralClient } from './referralClient.ts';
import { WebhookClient } from './webhookClient.ts';

const backend = sqliteBackend();
let emulator: EmulatorClient;
let store: Store;
let vault: SecretVault;
const CONNECTION = 'conn-pc';
const CACHE_NAME = 'partnerCenter.msalCache';
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  emulator = await startEmulatorClient();
  store = await backend.open();
  vault = new SecretVault(
    store.secrets,
    SecretBox.fromEnv({ COSELL_SECRET_KEY: randomBytes(32).toString('base64') }),
  );
});
afterAll(async () => {
  await Promise.all(opened.map((item) => item.close()));
  await emulator?.emulator.close();
  await store?.close();
  await backend.cleanup();
});
beforeEach(async () => {
  await emulator.control('POST', '/__emulator/reset');
  await vault.delete(CONNECTION, CACHE_NAME);
});

function auth(): PartnerCenterAuth {
  const { identityUrl, tenantId, clientId, caCertPem } = emulator.emulator;
  const created = new PartnerCenterAuth({
    identityUrl,
    tenantId,
    clientId,
    caCertPem,
    tokenCache: vault.entry(CONNECTION, CACHE_NAME),
  });
  opened.push(created);
  return created;
}

/** Signs in with the device code flow, approving the code as `username` when the prompt arrives. */
async function signIn(signer: PartnerCenterAuth, username = emulator.emulator.users.admin.username) {
  const prompts: DeviceCodePrompt[] = [];
  const user = await signer.signInWithDeviceCode({
    onPrompt: (prompt) => {
      prompts.push(prompt);
      void emulator.control('POST', '/__emulator/device-codes/approve', {
        userCode: prompt.userCode,
        username,
      });
    },
  });
  return { user, prompts };
}

function referralClient(signer: PartnerCenterAuth): ReferralClient {
  return new ReferralClient({
    baseUrl: `${emulator.emulator.url}/v1.0/engagements`,
    getAccessToken: signer.tokenProvider(REFERRALS_SCOPE),
    retryBaseDelayMs: 5,
  });
}

describe('PartnerCenterAuth (msal-node) against the Entra ID emulator', () => {
  it('signs in with a device code and keeps the token cache encrypted in the store', async () => {
    const { user, prompts } = await signIn(auth());
    expect(user.username).toBe(emulator.emulator.users.admin.username);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]?.userCode).toMatch(/\S+/);
    expect(prompts[0]?.message).toContain(prompts[0]?.userCode ?? '?');

    const stored = await store.secrets.get(CONNECTION, CACHE_NAME);
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain('RefreshToken');
    expect(await vault.get(CONNECTION, CACHE_NAME)).toContain('RefreshToken');

    // a new process: the cache comes back from the store, tokens for both audiences come silently
    const later = auth();
    expect(await later.signedInUser()).toMatchObject({ username: emulator.emulator.users.admin.username });
    expect(await referralClient(later).listAll()).toEqual([]);
    const webhooks = new WebhookClient({
      baseUrl: `${emulator.emulator.url}/webhooks/v1`,
      getAccessToken: later.tokenProvider(WEBHOOKS_SCOPE),
    });
    expect(await webhooks.show()).toBeNull();
  });

  it('answers from the token cache while the access token is valid (no refresh per call)', async () => {
    const signer = auth();
    await signIn(signer);
    const first = await signer.getAccessToken(REFERRALS_SCOPE);
    expect(await signer.getAccessToken(REFERRALS_SCOPE)).toBe(first);
    const webhooks = await signer.getAccessToken(WEBHOOKS_SCOPE);
    expect(await signer.getAccessToken(WEBHOOKS_SCOPE)).toBe(webhooks);
    expect(webhooks).not.toBe(first);
  });

  it('refreshes silently when the access token has expired on the server', async () => {
    const signer = auth();
    await signIn(signer);
    const before = await signer.getAccessToken(REFERRALS_SCOPE);
    await emulator.control('POST', '/__emulator/clock', { advanceMs: 2 * 3_600_000 });
    const rejected = await emulator.call('GET', '/v1.0/engagements/referrals', undefined, {
      authorization: `Bearer ${before}`,
    });
    expect(rejected.status).toBe(401);

    // the client sees 401, asks for a fresh token (refresh-token grant) and succeeds
    expect(await referralClient(signer).listAll()).toEqual([]);
    const after = await signer.getAccessToken(REFERRALS_SCOPE);
    expect(after).not.toBe(before);
  });

  it('says to sign in again when the refresh token was revoked', async () => {
    const signer = auth();
    await signIn(signer);
    const revoked = await emulator.control('POST', '/__emulator/refresh-tokens/revoke', {});
    expect(revoked.json['revoked']).toBeGreaterThan(0);
    const error = await rejectionOf(signer.getAccessToken(REFERRALS_SCOPE, { forceRefresh: true }));
    expect(error.kind).toBe('auth');
    expect(error.message).toBe(SIGN_IN_AGAIN_MESSAGE);

    // through the client: the expired access token leads to the same sign-in-again error
    await emulator.control('POST', '/__emulator/clock', { advanceMs: 2 * 3_600_000 });
    const throughClient = await rejectionOf(referralClient(signer).listAll());
    expect(throughClient).toMatchObject({ kind: 'auth', message: SIGN_IN_AGAIN_MESSAGE });
  });

  it('says to sign in again when the refresh token has expired', async () => {
    const signer = auth();
    await signIn(signer);
    await emulator.control('POST', '/__emulator/clock', { advanceMs: 91 * 86_400_000 });
    const error = await rejectionOf(signer.getAccessToken(WEBHOOKS_SCOPE, { forceRefresh: true }));
    expect(error).toMatchObject({ kind: 'auth', message: SIGN_IN_AGAIN_MESSAGE });
  });

  it('asks for a sign-in before anyone has signed in', async () => {
    const error = await rejectionOf(auth().getAccessToken(REFERRALS_SCOPE));
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('cosell connect partner-center');
  });

  it('reports the missing Referrals Admin role for a user without it', async () => {
    const signer = auth();
    const { user } = await signIn(signer, emulator.emulator.users.noRole.username);
    expect(user.username).toBe(emulator.emulator.users.noRole.username);
    const error = await rejectionOf(referralClient(signer).listAll());
    expect(error).toMatchObject({ kind: 'auth', status: 403 });
    expect(error.message).toContain('Referrals Admin role');
  });

  it('gets app-only tokens for the Webhooks API with client credentials', async () => {
    const { identityUrl, tenantId, caCertPem, confidentialClient } = emulator.emulator;
    const app = new PartnerCenterAppAuth({ identityUrl, tenantId, caCertPem, ...confidentialClient });
    opened.push(app);
    const webhooks = new WebhookClient({
      baseUrl: `${emulator.emulator.url}/webhooks/v1`,
      getAccessToken: app.tokenProvider(),
    });
    const registration = await webhooks.register('https://connector.example/webhooks/partner-center');
    expect(registration.webhookUrl).toBe('https://connector.example/webhooks/partner-center');

    const wrongSecret = new PartnerCenterAppAuth({
      identityUrl,
      tenantId,
      caCertPem,
      clientId: confidentialClient.clientId,
      clientSecret: 'not-the-secret',
    });
    opened.push(wrongSecret);
    const error = await rejectionOf(wrongSecret.getAccessToken());
    expect(error.kind).toBe('auth');
    expect(error.message).not.toContain('not-the-secret');
  });
});

describe('browser sign-in (authorization code + PKCE, loopback redirect) and MFA', () => {
  const trustingAgent = () => {
    const created = new Agent({ connect: { ca: emulator.emulator.caCertPem } });
    opened.push(created);
    return created;
  };
  const admin = () => emulator.emulator.users.admin.username;
  afterEach(async () => {
    await emulator.control('PATCH', `/__emulator/users/${admin()}`, { mfa: true });
  });

  /** Plays the browser: opens the URL; the emulator signs the user in and redirects to the loopback listener. */
  async function browserSignIn(signer: PartnerCenterAuth) {
    const agent = trustingAgent();
    const pages: string[] = [];
    const user = await signer.signInWithBrowser({
      onUrl: (url) => {
        void fetch(url, { dispatcher: agent }).then(async (response) => pages.push(await response.text()));
      },
    });
    return { user, pages };
  }

  it('signs in through the browser, stores the sign-in, and says it used MFA and when it needs renewing', async () => {
    const signer = auth();
    const { user } = await browserSignIn(signer);
    expect(user).toMatchObject({ username: admin(), mfa: true });
    expect(user.authMethods).toEqual(expect.arrayContaining(['pwd', 'mfa']));
    expect(await referralClient(signer).listAll()).toEqual([]);

    const status = await auth().signInStatus();
    expect(status).toMatchObject({ username: admin(), mfa: true });
    const renewedAt = status?.lastRenewedAt?.getTime() ?? 0;
    expect(Math.abs(renewedAt - Date.now())).toBeLessThan(5 * 60_000);
    expect(status?.needsSignInBy?.getTime()).toBe(renewedAt + REFRESH_TOKEN_INACTIVITY_DAYS * 86_400_000);
  });

  it('detects a sign-in without MFA, and classifies the API refusal (401, 900421) as auth naming the fix', async () => {
    await emulator.control('PATCH', `/__emulator/users/${admin()}`, { mfa: false });
    const signer = auth();
    const { user } = await browserSignIn(signer);
    expect(user).toMatchObject({ username: admin(), mfa: false, authMethods: ['pwd'] });
    expect((await auth().signInStatus())?.mfa).toBe(false);
    expect(missingMfaMessage(admin())).toMatch(/cosell connect partner-center/);

    const error = await rejectionOf(referralClient(signer).listAll());
    expect(error).toMatchObject({ kind: 'auth', status: 401, code: '900421' });
    expect(error.message).toMatch(/multifactor authentication/);
    expect(error.message).toContain('cosell connect partner-center');
  });

  it('refuses an answer whose state does not match, and an error sent back by the identity provider', async () => {
    const forged = await rejectionOf(
      auth().signInWithBrowser({
        onUrl: (url) => {
          const redirect = String(new URL(url).searchParams.get('redirect_uri'));
          void fetch(`${redirect}?code=stolen&state=not-ours`);
        },
      }),
    );
    expect(forged).toMatchObject({ kind: 'auth', code: 'state_mismatch' });
    expect(forged.message).toContain('cosell connect partner-center');

    const agent = trustingAgent();
    const refused = await rejectionOf(
      auth().signInWithBrowser({
        onUrl: (url) => {
          const withoutPkce = new URL(url);
          withoutPkce.searchParams.delete('code_challenge');
          void fetch(withoutPkce, { dispatcher: agent });
        },
      }),
    );
    expect(refused).toMatchObject({ kind: 'auth', code: 'invalid_request' });
    expect(refused.message).toMatch(/AADSTS9002325/);
    expect(await auth().signedInUser()).toBeNull();
  });
});
