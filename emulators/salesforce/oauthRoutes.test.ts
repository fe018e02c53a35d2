import { createHash, sign, webcrypto } from 'node:crypto';
import '../../src/shared/reflectMetadata.ts';
import * as x509 from '@peculiar/x509';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import {
  control,
  errorOf,
  loginAs,
  startTestEmulator,
  TEST_API_VERSION,
} from '../../test/support/salesforceEmulatorKit.ts';
import type { SalesforceEmulator } from './startSalesforceEmulator.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
let emulator: SalesforceEmulator;
const clock = new ManualClock('2026-05-10T12:00:00.000Z');

beforeAll(async () => {
  emulator = await startTestEmulator({ clock, sessionTtlSeconds: 600 });
});
afterAll(async () => emulator.close());

function oauthConnection(extra: Record<string, unknown> = {}): Connection {
  return new Connection({
    loginUrl: emulator.url,
    version: TEST_API_VERSION,
    oauth2: {
      loginUrl: emulator.url,
      clientId: emulator.connectedApp.clientId,
      clientSecret: emulator.connectedApp.clientSecret,
      redirectUri: 'http://127.0.0.1:1/callback',
    },
    ...extra,
  });
}

const expireSessions = () => control(emulator, 'clock', { advanceMs: 601_000 });

describe('password flow', () => {
  it('logs in, exposes identity, and logs in again by itself when the session expires', async () => {
    const conn = await loginAs(emulator, 'integration');
    expect(conn.userInfo).toMatchObject({
      id: emulator.users.integration.id,
      organizationId: emulator.orgId,
    });
    expect(conn.instanceUrl).toBe(emulator.url);
    expect(conn.accessToken?.split('.')).toHaveLength(1);
    const identity = await conn.identity();
    expect(identity).toMatchObject({
      user_id: emulator.users.integration.id,
      organization_id: emulator.orgId,
    });
    const firstToken = conn.accessToken;
    const refreshed: string[] = [];
    conn.on('refresh', (token: string) => refreshed.push(token));
    await expireSessions();
    const result = await conn.query('SELECT Id FROM User');
    expect(result.totalSize).toBeGreaterThanOrEqual(2);
    expect(refreshed).toHaveLength(1);
    expect(conn.accessToken).not.toBe(firstToken);
  });

  it('rejects wrong passwords and unknown clients with OAuth errors', async () => {
    const wrongPassword = await errorOf(oauthConnection().login(emulator.users.admin.username, 'wrong'));
    expect(wrongPassword).toMatchObject({ name: 'invalid_grant', message: 'authentication failure' });
    const badClient = new Connection({
      loginUrl: emulator.url,
      version: TEST_API_VERSION,
      oauth2: { loginUrl: emulator.url, clientId: 'someone-else', clientSecret: 'x' },
    });
    const unknownClient = await errorOf(
      badClient.login(emulator.users.admin.username, emulator.users.admin.password),
    );
    expect(unknownClient.name).toBe('invalid_client_id');
  });

  it('answers authentication failure for right credentials when the org blocks the flow', async () => {
    await control(emulator, 'connected-app', { passwordFlowBlocked: true });
    try {
      const blocked = await errorOf(
        oauthConnection().login(emulator.users.admin.username, emulator.users.admin.password),
      );
      expect(blocked).toMatchObject({ name: 'invalid_grant', message: 'authentication failure' });
    } finally {
      await control(emulator, 'connected-app', { passwordFlowBlocked: false });
    }
  });

  it('answers 401 INVALID_SESSION_ID for an expired token when no refresh is possible', async () => {
    const { access_token: accessToken } = (await control(emulator, 'token')) as { access_token: string };
    const conn = new Connection({ instanceUrl: emulator.url, accessToken, version: TEST_API_VERSION });
    expect((await conn.query('SELECT Id FROM Organization')).totalSize).toBe(1);
    await control(emulator, 'sessions/expire');
    const error = await errorOf(conn.query('SELECT Id FROM Organization'));
    expect(error.errorCode).toBe('INVALID_SESSION_ID');
  });
});

describe('SOAP login', () => {
  it('logs in without a client secret through the partner SOAP API', async () => {
    const conn = new Connection({ loginUrl: emulator.url, version: TEST_API_VERSION });
    const userInfo = await conn.login(emulator.users.admin.username, emulator.users.admin.password);
    expect(userInfo).toMatchObject({ id: emulator.users.admin.id, organizationId: emulator.orgId });
    expect(conn.instanceUrl).toBe(emulator.url);
    expect((await conn.query('SELECT Id FROM Organization')).totalSize).toBe(1);
    const refused = await errorOf(
      new Connection({ loginUrl: emulator.url, version: TEST_API_VERSION }).login(
        emulator.users.admin.username,
        'nope',
      ),
    );
    expect(refused.message).toContain('INVALID_LOGIN');
  });
});

describe('authorization code flow', () => {
  it('auto-approves as the admin, returns a refresh token, and jsforce refreshes with it after expiry', async () => {
    const conn = oauthConnection();
    const authorizeUrl = conn.oauth2.getAuthorizationUrl({ state: 'xyz' });
    const redirect = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('xyz');
    const userInfo = await conn.authorize(location.searchParams.get('code') ?? '');
    expect(userInfo.id).toBe(emulator.users.admin.id);
    expect(conn.refreshToken).toBeTruthy();
    const replayed = await errorOf(oauthConnection().authorize(location.searchParams.get('code') ?? ''));
    expect(replayed.name).toBe('invalid_grant');
    await expireSessions();
    const refreshed: string[] = [];
    conn.on('refresh', (token: string) => refreshed.push(token));
    expect((await conn.query('SELECT Id FROM Organization')).totalSize).toBe(1);
    expect(refreshed).toHaveLength(1);
  });

  it('checks the PKCE code verifier', async () => {
    const verifier = 'a-verifier-that-is-long-enough-for-pkce-0123456789';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorize = async () => {
      const url = oauthConnection().oauth2.getAuthorizationUrl({
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const redirect = await fetch(url, { redirect: 'manual' });
      return new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
    };
    const wrong = await errorOf(
      oauthConnection().authorize(await authorize(), { code_verifier: 'something-else' }),
    );
    expect(wrong.name).toBe('invalid_grant');
    const right = await oauthConnection().authorize(await authorize(), { code_verifier: verifier });
    expect(right.id).toBe(emulator.users.admin.id);
  });

  it('revokes a refresh token together with its access tokens', async () => {
    const conn = oauthConnection();
    const redirect = await fetch(conn.oauth2.getAuthorizationUrl({}), { redirect: 'manual' });
    await conn.authorize(new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '');
    const refreshToken = conn.refreshToken as string;
    const accessToken = conn.accessToken as string;
    await conn.oauth2.revokeToken(refreshToken);
    const plain = new Connection({ instanceUrl: emulator.url, accessToken, version: TEST_API_VERSION });
    expect((await errorOf(plain.query('SELECT Id FROM Organization'))).errorCode).toBe('INVALID_SESSION_ID');
    expect((await errorOf(conn.oauth2.refreshToken(refreshToken))).name).toBe('invalid_grant');
  });
});

describe('client credentials flow', () => {
  it('runs as the integration user without a refresh token', async () => {
    const conn = oauthConnection();
    const response = await conn.oauth2.requestToken({ grant_type: 'client_credentials' });
    expect(response.refresh_token).toBeUndefined();
    const userInfo = await conn.authorize({ grant_type: 'client_credentials' });
    expect(userInfo.id).toBe(emulator.users.integration.id);
  });
});

describe('JWT bearer flow', () => {
  let privateKey: webcrypto.CryptoKey;

  beforeAll(async () => {
    const algorithm = {
      name: 'RSASSA-PKCS1-v1_5',
      hash: 'SHA-256',
      publicExponent: new Uint8Array([1, 0, 1]),
      modulusLength: 2048,
    };
    const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=cosell-connector-test',
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2030-01-01T00:00:00Z'),
      signingAlgorithm: algorithm,
      keys,
    });
    privateKey = keys.privateKey;
    await control(emulator, 'connected-app', { certificatePem: certificate.toString('pem') });
  });

  /** Seconds since the epoch on the emulator's clock (which `/__emulator/clock` moves). */
  const emulatorNowSeconds = async () => {
    const { now } = (await control(emulator, 'clock', { advanceMs: 0 })) as { now: string };
    return Math.floor(new Date(now).getTime() / 1000);
  };

  async function assertion(claims: Record<string, unknown>): Promise<string> {
    const nowSeconds = await emulatorNowSeconds();
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({
      iss: emulator.connectedApp.clientId,
      sub: emulator.users.integration.username,
      aud: 'https://login.salesforce.com',
      exp: nowSeconds + 300,
      ...claims,
    })}`;
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', privateKey));
    const signature = sign('RSA-SHA256', Buffer.from(input), { key: pkcs8, format: 'der', type: 'pkcs8' });
    return `${input}.${signature.toString('base64url')}`;
  }

  it('issues a token without refresh token for a valid assertion, and refreshFn re-runs the grant after expiry', async () => {
    const grant = async () => ({ grant_type: JWT_GRANT, assertion: await assertion({}) });
    const conn = new Connection({
      loginUrl: emulator.url,
      version: TEST_API_VERSION,
      refreshFn: (connection, callback) => {
        grant()
          .then((params) => connection.oauth2.requestToken(params))
          .then((response) => callback(null, response.access_token, response))
          .catch((error: Error) => callback(error));
      },
    });
    const response = await conn.oauth2.requestToken(await grant());
    expect(response.refresh_token).toBeUndefined();
    const userInfo = await conn.authorize(await grant());
    expect(userInfo.id).toBe(emulator.users.integration.id);
    await expireSessions();
    expect((await conn.query('SELECT Id FROM Organization')).totalSize).toBe(1);
  });

  it('rejects a bad signature, a wrong audience, an expired assertion and an unknown user', async () => {
    const conn = new Connection({ loginUrl: emulator.url, version: TEST_API_VERSION });
    const request = async (value: string) =>
      errorOf(conn.authorize({ grant_type: JWT_GRANT, assertion: value }));
    const valid = await assertion({});
    const [header, payload] = valid.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not a signature').toString('base64url')}`;
    expect((await request(forged)).name).toBe('invalid_grant');
    expect((await request(await assertion({ aud: 'https://example.com' }))).message).toBe(
      'audience is invalid',
    );
    expect((await request(await assertion({ exp: (await emulatorNowSeconds()) - 1 }))).name).toBe(
      'invalid_grant',
    );
    expect((await request(await assertion({ sub: 'nobody@example.com' }))).name).toBe('invalid_grant');
    expect((await request(await assertion({ iss: 'other-client' }))).name).toBe('invalid_client_id');
  });

  it('refuses a user who is not pre-authorized on the app, and issues JWT-based tokens that only REST accepts', async () => {
    const conn = new Connection({ loginUrl: emulator.url, version: TEST_API_VERSION });
    await control(emulator, 'connected-app', { preAuthorizedUsernames: [emulator.users.admin.username] });
    try {
      const refused = await errorOf(
        conn.authorize({ grant_type: JWT_GRANT, assertion: await assertion({}) }),
      );
      expect(refused.name).toBe('invalid_grant');
      expect(refused.message).toBe("user hasn't approved this consumer");
      await control(emulator, 'connected-app', {
        preAuthorizedUsernames: [emulator.users.integration.username],
        jwtAccessTokens: true,
      });
      await conn.authorize({ grant_type: JWT_GRANT, assertion: await assertion({}) });
      expect(conn.accessToken?.split('.')).toHaveLength(3);
      expect((await conn.query('SELECT Id FROM Organization')).totalSize).toBe(1);
      const soap = await errorOf(conn.metadata.read('CustomObject', ['Account']));
      expect(soap.message).toContain('JWT-based access tokens');
    } finally {
      await control(emulator, 'connected-app', { preAuthorizedUsernames: null, jwtAccessTokens: false });
    }
  });
});
