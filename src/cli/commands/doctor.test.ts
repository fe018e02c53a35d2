/**
 * `cosell doctor` names a fix that applies when a check fails for a reason a person can put right: a refused
 * address, a URL that is not the API, Salesforce answering without a message, the encryption key missing.
 * Real local servers and a real SQLite store; nothing is mocked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../test/support/memoryIo.ts';
import { openConnectorStore, openVault, SECRETS } from '../../app.ts';
import { loadConfig } from '../../config/loadConfig.ts';
import { SECRET_KEY_ENV } from '../../store/secretBox.ts';
import { type DoctorCheck, runDoctor } from './doctor.ts';

const KEY = Buffer.alloc(32, 9).toString('base64');

/** A local HTTP server answering every request with this status, content type and body. */
async function answering(
  status: number,
  type: string,
  body: string,
): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(status, { 'content-type': type }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A port nothing listens on (a server listened there a moment ago and was closed). */
async function closedPort(): Promise<number> {
  const { server } = await answering(200, 'text/plain', '');
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('cosell doctor names the fix for the failure it found', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-doctor-'));
  const servers: Server[] = [];
  let refusedUrl: string;
  beforeAll(async () => {
    refusedUrl = `http://127.0.0.1:${await closedPort()}`;
  });
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const writeConfig = (name: string, salesforce: string, partnerCenterUrl = refusedUrl) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      [
        `store: { kind: sqlite, path: ${join(dir, `${name}.db`)} }`,
        'partnerCenter:',
        '  tenantId: 11111111-2222-3333-4444-555555555555',
        '  clientId: 66666666-7777-8888-9999-000000000000',
        `  authorityUrl: ${partnerCenterUrl}`,
        `  referralsUrl: ${partnerCenterUrl}`,
        `  webhooksUrl: ${partnerCenterUrl}`,
        salesforce,
      ].join('\n'),
    );
    return file;
  };
  const clientCredentials = (loginUrl: string) =>
    `salesforce: { loginUrl: ${loginUrl}, auth: { flow: clientCredentials, clientId: app, clientSecret: secret } }`;
  const doctor = async (file: string, env: Record<string, string> = { [SECRET_KEY_ENV]: KEY }) => {
    const { io } = memoryIo(dir);
    io.env = env;
    const checks = await runDoctor(io, { config: file });
    return (name: string): DoctorCheck | undefined => checks.find((check) => check.check === name);
  };

  it('says nothing accepts connections at salesforce.loginUrl when the connection is refused', async () => {
    const check = await doctor(writeConfig('refused', clientCredentials(refusedUrl)));
    expect(check('Salesforce sign-in')).toMatchObject({
      ok: false,
      fix: expect.stringContaining(`nothing accepts connections at salesforce.loginUrl (${refusedUrl})`),
    });
  });

  it('says salesforce.loginUrl is not the API when it answers with a web page', async () => {
    const page = await answering(404, 'text/html', '<!doctype html><html><body>Not here</body></html>');
    servers.push(page.server);
    const check = await doctor(writeConfig('wrong-url', clientCredentials(page.url)));
    expect(check('Salesforce sign-in')?.fix).toMatch(
      new RegExp(`^salesforce\\.loginUrl \\(${page.url}\\) answered as if it were not the API`),
    );
  });

  it('says Salesforce answered without a message, rather than pointing at every setting', async () => {
    const empty = await answering(500, 'application/json', '');
    servers.push(empty.server);
    const check = await doctor(writeConfig('empty', clientCredentials(empty.url)));
    expect(check('Salesforce sign-in')?.fix).toMatch(/^Salesforce answered without saying what was wrong/);
  });

  it('checks the dashboard sign-in: an authority that refuses connections, and a tenant the authority does not know', async () => {
    const signIn = () =>
      `${clientCredentials(refusedUrl)}\ndashboard:\n  signIn: { kind: microsoft, tenantId: not-our-tenant, clientId: app, clientSecret: s, allowedUsers: [ana@contoso.example] }`;
    const refused = await doctor(writeConfig('dashboard-refused', signIn(), refusedUrl));
    expect(refused('Dashboard sign-in')?.fix).toContain(
      `nothing accepts connections at partnerCenter.authorityUrl (${refusedUrl})`,
    );
    const authority = await answering(
      400,
      'application/json',
      JSON.stringify({
        error: 'invalid_tenant',
        error_description: "AADSTS90002: Tenant 'not-our-tenant' not found.",
      }),
    );
    servers.push(authority.server);
    const unknownTenant = await doctor(writeConfig('dashboard-tenant', signIn(), authority.url));
    expect(unknownTenant('Dashboard sign-in')).toMatchObject({
      ok: false,
      fix: expect.stringMatching(
        /^set dashboard\.signIn\.tenantId to your Entra ID tenant id, a GUID .* it is now not-our-tenant$/,
      ),
    });
  });

  it('says to set the encryption key when stored sign-ins cannot be read without it', async () => {
    const file = writeConfig(
      'no-key',
      `salesforce: { loginUrl: ${refusedUrl}, auth: { flow: refreshToken, clientId: app } }`,
    );
    const { config } = loadConfig({ file, env: {} });
    const store = await openConnectorStore(config);
    const vault = openVault(store, { [SECRET_KEY_ENV]: KEY });
    await vault.put(config.connectionId, SECRETS.salesforceRefreshToken, 'refresh-token');
    await vault.put(config.connectionId, SECRETS.partnerCenterTokenCache, '{}');
    await store.close();

    const check = await doctor(file, {});
    expect(check('Encryption key')?.ok).toBe(false);
    for (const name of ['Partner Center sign-in', 'Salesforce sign-in'])
      expect(check(name)?.fix).toMatch(new RegExp(`^export ${SECRET_KEY_ENV} with the key`));
  });
});
