import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingProxy } from '../../test/support/recordingProxy.ts';
import { rejectionOf } from '../../test/support/rejectionOf.ts';
import { type SalesforceTestOrg, startSalesforceTestOrg } from '../../test/support/salesforceTestOrg.ts';
import { createLogger } from '../shared/logger.ts';
import { createSelfSignedCertificate } from '../shared/selfSignedCertificate.ts';
import {
  exchangeSalesforceAuthorizationCode,
  salesforceAuthorizationRequest,
} from './salesforceAuthorization.ts';
import {
  jwtAudienceFor,
  openSalesforceConnection,
  resolveLoginUrl,
  SALESFORCE_API_VERSION,
  SALESFORCE_CALL_CLIENT,
} from './salesforceConnection.ts';

/** A real RSA key pair and a self-signed certificate, as an admin would upload to the connected app. */
const keyAndCertificate = () =>
  createSelfSignedCertificate({ commonName: 'cosell-connector test', validDays: 1 });

describe('login URLs and JWT audience', () => {
  it('resolves production, sandbox, My Domain and emulator URLs', () => {
    expect(resolveLoginUrl('production')).toBe('https://login.salesforce.com');
    expect(resolveLoginUrl('sandbox')).toBe('https://test.salesforce.com');
    expect(resolveLoginUrl('https://acme.my.salesforce.com/')).toBe('https://acme.my.salesforce.com');
    expect(jwtAudienceFor('https://acme.my.salesforce.com')).toBe('https://login.salesforce.com');
    expect(jwtAudienceFor('https://acme--uat.sandbox.my.salesforce.com')).toBe('https://test.salesforce.com');
    expect(jwtAudienceFor('http://127.0.0.1:4020')).toBe('http://127.0.0.1:4020');
  });
});

describe('openSalesforceConnection against the emulator', () => {
  let org: SalesforceTestOrg;
  beforeAll(async () => {
    org = await startSalesforceTestOrg();
  });
  afterAll(async () => {
    await org?.close();
  });

  const whoAmI = async (conn: Connection) => {
    const result = await conn.query<{ Username: string }>(
      `SELECT Username FROM User WHERE Id = '${conn.userInfo?.id}'`,
    );
    return result.records[0]?.Username;
  };

  /** Signed in as `username`; after the emulator expires every session, the next call renews it exactly once. */
  const expectRenewedAfterExpiry = async (conn: Connection, username: string) => {
    expect(await whoAmI(conn)).toBe(username);
    const tokenBefore = conn.accessToken;
    let refreshes = 0;
    conn.on('refresh', () => {
      refreshes += 1;
    });
    await org.control('/__emulator/sessions/expire');
    expect(await whoAmI(conn)).toBe(username);
    expect(refreshes).toBe(1);
    expect(conn.accessToken).not.toBe(tokenBefore);
  };

  it('signs in with the JWT bearer flow and re-runs the grant when the session expires', async () => {
    const { privateKeyPem, certificatePem } = await keyAndCertificate();
    await org.control('/__emulator/connected-app', { certificatePem });
    const conn = await openSalesforceConnection({
      loginUrl: org.url,
      auth: {
        flow: 'jwt',
        clientId: org.emulator.connectedApp.clientId,
        username: org.emulator.users.integration.username,
        privateKeyPem,
      },
    });
    expect(conn.version).toBe(SALESFORCE_API_VERSION);
    expect(conn.refreshToken).toBeFalsy();
    await expectRenewedAfterExpiry(conn, org.emulator.users.integration.username);
  });

  it('refuses a JWT signed with a key the connected app does not know, as auth', async () => {
    const registered = await keyAndCertificate();
    const other = await keyAndCertificate();
    await org.control('/__emulator/connected-app', { certificatePem: registered.certificatePem });
    const error = await rejectionOf(
      openSalesforceConnection({
        loginUrl: org.url,
        auth: {
          flow: 'jwt',
          clientId: org.emulator.connectedApp.clientId,
          username: org.emulator.users.integration.username,
          privateKeyPem: other.privateKeyPem,
        },
      }),
    );
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('cosell connect salesforce');
    expect(error.message).not.toContain(other.privateKeyPem.slice(40, 80));
  });

  it('signs in with client credentials as the run-as user and renews by re-running the grant', async () => {
    const conn = await openSalesforceConnection({
      loginUrl: org.url,
      auth: {
        flow: 'clientCredentials',
        clientId: org.emulator.connectedApp.clientId,
        clientSecret: org.emulator.connectedApp.clientSecret,
      },
    });
    await expectRenewedAfterExpiry(conn, org.emulator.users.integration.username);
  });

  it('gets a refresh token through the authorization-code flow and refreshes with it', async () => {
    const client = {
      loginUrl: org.url,
      clientId: org.emulator.connectedApp.clientId,
      clientSecret: org.emulator.connectedApp.clientSecret,
      redirectUri: 'http://127.0.0.1:1/callback',
    };
    const request = salesforceAuthorizationRequest(client);
    const redirect = await fetch(request.url, { redirect: 'manual' });
    const location = new URL(String(redirect.headers.get('location')));
    expect(location.searchParams.get('state')).toBe(request.state);
    const grant = await exchangeSalesforceAuthorizationCode(
      client,
      String(location.searchParams.get('code')),
      request.codeVerifier,
    );
    expect(grant.refreshToken).toBeTruthy();

    const conn = await openSalesforceConnection({
      loginUrl: org.url,
      auth: {
        flow: 'refreshToken',
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        refreshToken: grant.refreshToken,
      },
    });
    await expectRenewedAfterExpiry(conn, org.emulator.users.admin.username);

    const revoked = await rejectionOf(
      openSalesforceConnection({
        loginUrl: org.url,
        auth: { flow: 'refreshToken', clientId: client.clientId, refreshToken: 'not-a-refresh-token' },
      }),
    );
    expect(revoked.kind).toBe('auth');
  });

  it('sends every REST call with the fixed API version and Sforce-Call-Options: client=cosell-connector', async () => {
    const proxy = await startRecordingProxy(org.url);
    try {
      const conn = await openSalesforceConnection({
        loginUrl: proxy.url,
        auth: {
          flow: 'clientCredentials',
          clientId: org.emulator.connectedApp.clientId,
          clientSecret: org.emulator.connectedApp.clientSecret,
        },
      });
      await whoAmI(conn);
      await conn
        .sobject('Opportunity')
        .create({ Name: 'Call options', StageName: 'Prospecting', CloseDate: '2026-12-31' });
      const rest = proxy.requests.filter((r) => r.path.startsWith('/services/data/'));
      expect(rest.map((r) => r.method)).toEqual(['GET', 'POST']);
      for (const request of rest) {
        expect(request.path.startsWith(`/services/data/v${SALESFORCE_API_VERSION}/`)).toBe(true);
        expect(request.headers['sforce-call-options']).toBe(`client=${SALESFORCE_CALL_CLIENT}`);
      }
    } finally {
      await proxy.close();
    }
  });

  it('signs in with username and password, warning that it is for development only', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'warn',
      destination: { write: (line: string) => lines.push(line) },
    });
    const conn = await openSalesforceConnection({
      loginUrl: org.url,
      logger,
      auth: {
        flow: 'password',
        clientId: org.emulator.connectedApp.clientId,
        clientSecret: org.emulator.connectedApp.clientSecret,
        username: org.emulator.users.admin.username,
        password: org.emulator.users.admin.password,
      },
    });
    expect(await whoAmI(conn)).toBe(org.emulator.users.admin.username);
    expect(lines.join('')).toMatch(/development only/);
    expect(lines.join('')).not.toContain(org.emulator.users.admin.password);

    const wrong = await rejectionOf(
      openSalesforceConnection({
        loginUrl: org.url,
        logger,
        auth: {
          flow: 'password',
          clientId: org.emulator.connectedApp.clientId,
          clientSecret: org.emulator.connectedApp.clientSecret,
          username: org.emulator.users.admin.username,
          password: 'wrong-password',
        },
      }),
    );
    expect(wrong.kind).toBe('auth');
    expect(wrong.code).toBe('invalid_grant');
    expect(wrong.message).not.toContain('wrong-password');
  });
});
