import {
  ConfidentialClientApplication,
  CryptoProvider,
  type PublicClientApplication,
} from '@azure/msal-node';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMsalNetworkClient } from '../../src/partner-center/msalNetworkClient.ts';
import {
  type EmulatorClient,
  publicMsalApp,
  startEmulatorClient,
} from '../../test/support/partnerCenterEmulatorKit.ts';

let client: EmulatorClient;
let agent: Agent;

beforeAll(async () => {
  client = await startEmulatorClient();
  agent = new Agent({ connect: { ca: client.emulator.caCertPem } });
});
afterAll(async () => {
  await client.emulator.close();
  await agent.close();
});

describe('@azure/msal-node against the identity emulator', () => {
  const scopes = ['https://api.partner.microsoft.com/.default'];

  function publicApp(): PublicClientApplication {
    return publicMsalApp(client.emulator, agent);
  }

  it('signs in with the device code flow once the code is approved, then refreshes silently', async () => {
    const app = publicApp();
    const result = await app.acquireTokenByDeviceCode({
      scopes,
      deviceCodeCallback: (response) => {
        void client.control('POST', '/__emulator/device-codes/approve', { userCode: response.userCode });
      },
    });
    expect(result?.account?.username).toBe(client.emulator.users.admin.username);
    const referrals = await fetch(`${client.emulator.url}/v1.0/engagements/referrals`, {
      headers: { authorization: `Bearer ${result?.accessToken}` },
    });
    expect(referrals.status).toBe(200);

    const account = result?.account;
    if (!account) throw new Error('MSAL returned no account');
    const refreshed = await app.acquireTokenSilent({ account, scopes, forceRefresh: true });
    expect(refreshed.accessToken).not.toBe(result?.accessToken);

    const revoked = await client.control('POST', '/__emulator/refresh-tokens/revoke', {});
    expect(revoked.json['revoked']).toBeGreaterThan(0);
    await expect(app.acquireTokenSilent({ account, scopes, forceRefresh: true })).rejects.toThrow(
      /invalid_grant|AADSTS/,
    );
  });

  it('issues app-only tokens for the Webhooks API through client_credentials', async () => {
    const { identityUrl, tenantId, confidentialClient } = client.emulator;
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: confidentialClient.clientId,
        clientSecret: confidentialClient.clientSecret,
        authority: `${identityUrl}/${tenantId}`,
        knownAuthorities: [new URL(identityUrl).host],
      },
      system: { networkClient: createMsalNetworkClient(agent, 10_000) },
    });
    const result = await app.acquireTokenByClientCredential({
      scopes: ['https://api.partnercenter.microsoft.com/.default'],
    });
    const events = await fetch(`${client.emulator.url}/webhooks/v1/registration/events`, {
      headers: { authorization: `Bearer ${result?.accessToken}` },
    });
    expect(events.status).toBe(200);
    const referrals = await fetch(`${client.emulator.url}/v1.0/engagements/referrals`, {
      headers: { authorization: `Bearer ${result?.accessToken}` },
    });
    expect(referrals.status).toBe(401);
  });

  it('signs in with the authorization code flow and PKCE', async () => {
    const app = publicApp();
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const redirectUri = 'http://localhost:53682/callback';
    const authorizeUrl = await app.getAuthCodeUrl({
      scopes,
      redirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      state: 'state-123',
    });
    const redirect = await fetch(authorizeUrl, { dispatcher: agent, redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = new URL(String(redirect.headers.get('location')));
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('state-123');
    const code = String(location.searchParams.get('code'));

    await expect(
      app.acquireTokenByCode({ code, scopes, redirectUri, codeVerifier: 'wrong-verifier' }),
    ).rejects.toThrow(/invalid_grant|AADSTS/);
    const again = await fetch(authorizeUrl, { dispatcher: agent, redirect: 'manual' });
    const freshCode = String(new URL(String(again.headers.get('location'))).searchParams.get('code'));
    const result = await app.acquireTokenByCode({
      code: freshCode,
      scopes,
      redirectUri,
      codeVerifier: verifier,
    });
    expect(result.account?.username).toBe(client.emulator.users.admin.username);
  });

  it('signs the admin in with the password grant', async () => {
    const app = publicApp();
    const { username, password } = client.emulator.users.admin;
    const result = await app.acquireTokenByUsernamePassword({ scopes, username, password });
    expect(result?.accessToken).toBeTruthy();
  });

  it('answers the documented v1 ROPC call that names the API with resource=', async () => {
    const { identityUrl, clientId, users, url } = client.emulator;
    const postV1Token = (form: Record<string, string>) =>
      fetch(`${identityUrl}/common/oauth2/token`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: clientId,
          username: users.admin.username,
          ...form,
        }).toString(),
      });
    const response = await postV1Token({
      resource: 'https://api.partner.microsoft.com',
      scope: 'openid',
      password: users.admin.password,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string };
    // The password grant cannot do MFA, and Partner Center refuses App+User tokens without it.
    const referrals = await fetch(`${url}/v1.0/engagements/referrals`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(referrals.status).toBe(401);
    expect(await referrals.json()).toMatchObject({ error: { code: '900421' } });

    const wrongPassword = await postV1Token({ password: 'nope' });
    expect(wrongPassword.status).toBe(400);
    expect(await wrongPassword.json()).toMatchObject({ error: 'invalid_grant' });
  });
});
