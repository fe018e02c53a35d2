import { createPublicKey, verify } from 'node:crypto';
import { CryptoProvider, type PublicClientApplication } from '@azure/msal-node';
import { Agent, fetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmulatorClient,
  publicMsalApp,
  startEmulatorClient,
} from '../../test/support/partnerCenterEmulatorKit.ts';
import type { JsonObject } from './referralRules.ts';

let client: EmulatorClient;
let agent: Agent;
const REFERRALS_SCOPE = 'https://api.partner.microsoft.com/user_impersonation';
const WEBHOOKS_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation';
const REDIRECT_URI = 'http://localhost:53682/callback';

beforeAll(async () => {
  client = await startEmulatorClient({ redirectUris: ['https://cosell.example/auth/callback'] });
  agent = new Agent({ connect: { ca: client.emulator.caCertPem } });
});
afterAll(async () => {
  await client.emulator.close();
  await agent.close();
});
afterEach(async () => {
  const { admin, events } = client.emulator.users;
  await client.control('POST', '/__emulator/sign-in-user', { username: null });
  await client.control('PATCH', `/__emulator/users/${admin.username}`, {
    mfa: true,
    roles: ['ReferralsAdmin', 'AdminAgent'],
  });
  await client.control('PATCH', `/__emulator/users/${events.username}`, { mfa: true });
});

function publicApp(): PublicClientApplication {
  return publicMsalApp(client.emulator, agent);
}

/** The browser's part: open the authorize URL; the emulated user signs in at once and is redirected back. */
async function browse(authorizeUrl: string): Promise<URL> {
  const response = await fetch(authorizeUrl, { dispatcher: agent, redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(String(response.headers.get('location')));
}

/** A full authorization-code + PKCE sign-in through msal-node, as the connector does it. */
async function signIn(scope = REFERRALS_SCOPE) {
  const app = publicApp();
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const state = 'state-abc';
  const nonce = 'nonce-xyz';
  const url = await app.getAuthCodeUrl({
    scopes: [scope],
    redirectUri: REDIRECT_URI,
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    state,
    nonce,
  });
  const back = await browse(url);
  expect(back.searchParams.get('state')).toBe(state);
  const code = String(back.searchParams.get('code'));
  const result = await app.acquireTokenByCode(
    { code, scopes: [scope], redirectUri: REDIRECT_URI, codeVerifier: verifier, state, nonce },
    { code, state },
  );
  return { app, result };
}

function claimsOf(jwt: string): JsonObject {
  return JSON.parse(Buffer.from(String(jwt.split('.')[1]), 'base64url').toString('utf8')) as JsonObject;
}

async function callApi(path: string, token: string) {
  const response = await fetch(`${client.emulator.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as JsonObject };
}
const referrals = (token: string) => callApi('/v1.0/engagements/referrals', token);
const webhookEvents = (token: string) => callApi('/webhooks/v1/registration/events', token);

describe('authorization code + PKCE and OpenID Connect', () => {
  it('publishes discovery and keys that verify the id token, which carries the OIDC and MFA claims', async () => {
    const { identityUrl, tenantId, clientId, users } = client.emulator;
    const discovery = (await (
      await fetch(`${identityUrl}/${tenantId}/v2.0/.well-known/openid-configuration`, { dispatcher: agent })
    ).json()) as Record<string, string>;
    expect(discovery['authorization_endpoint']).toBe(`${identityUrl}/${tenantId}/oauth2/v2.0/authorize`);
    const { result } = await signIn();
    const keys = (await (await fetch(String(discovery['jwks_uri']), { dispatcher: agent })).json()) as {
      keys: (JsonObject & { kid: string })[];
    };
    const [header = '', payload = '', signature = ''] = result.idToken.split('.');
    const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid: string };
    const jwk = keys.keys.find((key) => key.kid === kid);
    if (!jwk) throw new Error(`no key ${kid} in the JWKS`);
    const key = createPublicKey({ key: jwk as never, format: 'jwk' });
    expect(
      verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url')),
    ).toBe(true);
    const claims = claimsOf(result.idToken);
    expect(claims).toMatchObject({
      iss: discovery['issuer'],
      aud: clientId,
      tid: tenantId,
      preferred_username: users.admin.username,
      name: 'Contoso Referrals Admin',
      nonce: 'nonce-xyz',
      amr: ['pwd', 'mfa'],
    });
    expect(claims['oid']).toMatch(/^[0-9a-f-]{36}$/);
    // Admin agent is the AdminAgents group in a partner tenant.
    expect(claims['groups']).toHaveLength(1);
    expect((await referrals(result.accessToken)).status).toBe(200);
  });

  it('refuses a wrong code_verifier, a reused code and a public client without PKCE', async () => {
    const app = publicApp();
    const { challenge, verifier } = await new CryptoProvider().generatePkceCodes();
    const url = await app.getAuthCodeUrl({
      scopes: [REFERRALS_SCOPE],
      redirectUri: REDIRECT_URI,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
    });
    const code = String((await browse(url)).searchParams.get('code'));
    const request = { code, scopes: [REFERRALS_SCOPE], redirectUri: REDIRECT_URI };
    await expect(app.acquireTokenByCode({ ...request, codeVerifier: 'not-the-verifier' })).rejects.toThrow(
      /AADSTS501481/,
    );
    // A code is redeemable once, even after a failed attempt.
    await expect(app.acquireTokenByCode({ ...request, codeVerifier: verifier })).rejects.toThrow(
      /AADSTS70008/,
    );

    const withoutPkce = new URL(url);
    withoutPkce.searchParams.delete('code_challenge');
    withoutPkce.searchParams.delete('code_challenge_method');
    withoutPkce.searchParams.set('state', 's1');
    const refused = await browse(withoutPkce.toString());
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('error_description')).toMatch(/AADSTS9002325/);
    expect(refused.searchParams.get('state')).toBe('s1');
    expect(refused.searchParams.get('code')).toBeNull();
  });

  it('shows an error page, without redirecting, for a redirect URI the app has not registered', async () => {
    const url = await publicApp().getAuthCodeUrl({
      scopes: [REFERRALS_SCOPE],
      redirectUri: 'https://attacker.example/callback',
      codeChallenge: 'x'.repeat(43),
      codeChallengeMethod: 'S256',
    });
    const response = await fetch(url, { dispatcher: agent, redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('AADSTS50011');

    const registered = new URL(url);
    registered.searchParams.set('redirect_uri', 'https://cosell.example/auth/callback');
    expect((await browse(registered.toString())).origin).toBe('https://cosell.example');
  });

  it('posts the code to the app with response_mode=form_post', async () => {
    const url = new URL(
      await publicApp().getAuthCodeUrl({
        scopes: [REFERRALS_SCOPE],
        redirectUri: REDIRECT_URI,
        codeChallenge: 'x'.repeat(43),
        codeChallengeMethod: 'S256',
        state: 'st',
      }),
    );
    url.searchParams.set('response_mode', 'form_post');
    const response = await fetch(url, { dispatcher: agent, redirect: 'manual' });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain(`action="${REDIRECT_URI}"`);
    expect(page).toMatch(/name="code" value="[^"]+"/);
    expect(page).toContain('name="state" value="st"');
  });

  it('signs in the user a control call names', async () => {
    const { events } = client.emulator.users;
    expect(
      (await client.control('POST', '/__emulator/sign-in-user', { username: events.username })).status,
    ).toBe(200);
    const { result } = await signIn(WEBHOOKS_SCOPE);
    expect(result.account?.username).toBe(events.username);
    expect((await client.control('POST', '/__emulator/sign-in-user', { username: 'nobody@x' })).status).toBe(
      404,
    );
  });
});

describe('MFA and roles per API', () => {
  it('refuses App+User tokens without MFA on both APIs with 401 and error 900421; a sign-in made with MFA keeps it', async () => {
    const { admin } = client.emulator.users;
    const before = await signIn();
    await client.control('PATCH', `/__emulator/users/${admin.username}`, { mfa: false });
    const { app, result } = await signIn();
    expect(claimsOf(result.idToken)['amr']).toEqual(['pwd']);
    const refused = await referrals(result.accessToken);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: { code: '900421' } });
    const account = result.account;
    if (!account) throw new Error('no account');
    const webhooksToken = await app.acquireTokenSilent({ account, scopes: [WEBHOOKS_SCOPE] });
    const webhooks = await webhookEvents(webhooksToken.accessToken);
    expect(webhooks.status).toBe(401);
    expect(webhooks.body).toMatchObject({ code: 900421 });

    // The earlier sign-in (with MFA) refreshes with its MFA claim intact.
    const earlier = before.result.account;
    if (!earlier) throw new Error('no account');
    const refreshed = await before.app.acquireTokenSilent({
      account: earlier,
      scopes: [REFERRALS_SCOPE],
      forceRefresh: true,
    });
    expect((await referrals(refreshed.accessToken)).status).toBe(200);
  });

  it('lets a Billing admin use the Webhooks API but not the Referrals API, and a role change takes effect', async () => {
    const { events, admin } = client.emulator.users;
    const billing = await client.control('POST', '/__emulator/token', { username: events.username });
    const billingReferrals = await referrals(String(billing.json['access_token']));
    expect(billingReferrals.status).toBe(403);
    expect(JSON.stringify(billingReferrals.body)).toMatch(/Referral admin or Referral user/);
    const billingWebhooks = await client.control('POST', '/__emulator/token', {
      username: events.username,
      audience: 'https://api.partnercenter.microsoft.com',
    });
    expect((await webhookEvents(String(billingWebhooks.json['access_token']))).status).toBe(200);

    const changed = await client.control('PATCH', `/__emulator/users/${admin.username}`, {
      roles: ['ReferralsAdmin'],
    });
    expect(changed.json['roles']).toEqual(['ReferralsAdmin']);
    const adminWebhooks = await client.control('POST', '/__emulator/token', {
      audience: 'https://api.partnercenter.microsoft.com',
    });
    const refused = await webhookEvents(String(adminWebhooks.json['access_token']));
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toMatch(/Billing admin, Admin agent, Sales agent, Helpdesk agent/);
    const badRole = await client.control('PATCH', `/__emulator/users/${admin.username}`, { roles: ['Boss'] });
    expect(badRole.status).toBe(400);
  });
});
