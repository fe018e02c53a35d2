import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatConfigProblems } from './configProblem.ts';
import { checkConfig, loadConfig } from './loadConfig.ts';

const VALID = `
connectionId: acme
store:
  kind: sqlite
  path: ./data/cosell.db
partnerCenter:
  tenantId: 11111111-2222-3333-4444-555555555555
  clientId: 66666666-7777-8888-9999-000000000000
salesforce:
  loginUrl: https://acme.my.salesforce.com
  auth:
    flow: clientCredentials
    clientId: 3MVG9
    clientSecret: \${SF_CLIENT_SECRET}
`;

function writeConfig(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-config-'));
  const file = join(dir, 'cosell.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

describe('loadConfig', () => {
  it('loads a valid file, resolves ${ENV} references and relative paths, and applies defaults', () => {
    const { dir, file } = writeConfig(VALID);
    const { config, fileName } = loadConfig({ file, env: { SF_CLIENT_SECRET: 's3cret' } });
    expect(fileName).toBe(file);
    expect(config.connectionId).toBe('acme');
    expect(config.salesforce.auth).toMatchObject({ flow: 'clientCredentials', clientSecret: 's3cret' });
    expect(config.store).toEqual({ kind: 'sqlite', path: join(dir, 'data/cosell.db') });
    expect(config.queue.kind).toBe('embedded');
    expect(config.sync.pollIntervalSeconds).toBe(30);
    expect(config.queue.concurrency).toBe(5);
  });

  it('reports three independent mistakes in one report, each with its path and line', () => {
    const { file } = writeConfig(`
store:
  kind: postgres
server:
  port: "eighty"
partnerCenter:
  tenantId: t
  clientId: c
  referalsUrl: https://typo.example.com
salesforce:
  auth:
    flow: clientCredentials
    clientId: x
    clientSecret: y
`);
    const check = checkConfig({ file, env: {} });
    expect(check.config).toBeNull();
    const paths = check.problems.map((problem) => problem.path).sort();
    expect(paths).toEqual(['partnerCenter.referalsUrl', 'server.port', 'store.url']);
    const byPath = Object.fromEntries(check.problems.map((problem) => [problem.path, problem]));
    expect(byPath['server.port']?.line).toBe(5);
    expect(byPath['partnerCenter.referalsUrl']?.line).toBe(9);
    expect(byPath['store.url']?.hint).toContain('DATABASE_URL');
    const report = formatConfigProblems(check.problems, file);
    expect(report).toContain('3 problems');
    expect(() => loadConfig({ file, env: {} })).toThrow(/3 problems/);
  });

  it('names a missing ${ENV} reference and the variable', () => {
    const { file } = writeConfig(VALID);
    const check = checkConfig({ file, env: {} });
    expect(check.problems).toEqual([
      expect.objectContaining({
        path: 'salesforce.auth.clientSecret',
        line: 14,
        message: expect.stringContaining('SF_CLIENT_SECRET'),
      }),
    ]);
  });

  it('applies COSELL_* overrides with types from the schema and rejects unknown ones', () => {
    const { file } = writeConfig(VALID);
    const { config } = loadConfig({
      file,
      env: {
        SF_CLIENT_SECRET: 'x',
        COSELL_SERVER_PORT: '8080',
        COSELL_SYNC_POLL_INTERVAL_SECONDS: '5',
        COSELL_SECRET_KEY: 'ignored',
      },
    });
    expect(config.server.port).toBe(8080);
    expect(config.sync.pollIntervalSeconds).toBe(5);
    const check = checkConfig({ file, env: { SF_CLIENT_SECRET: 'x', COSELL_SERVR_PORT: '1' } });
    expect(check.problems.map((problem) => problem.path)).toEqual(['COSELL_SERVR_PORT']);
  });

  it('defaults the Partner Center sign-in to the browser on any port and webhooks to the same user, and checks the kinds', () => {
    const { file } = writeConfig(VALID);
    const { config } = loadConfig({ file, env: { SF_CLIENT_SECRET: 'x' } });
    expect(config.partnerCenter.signIn).toEqual({ flow: 'authorizationCode', redirectPort: 0 });
    expect(config.partnerCenter.webhooksSignIn).toEqual({ kind: 'sameUser' });
    expect(config.partnerCenter.referralsUrl).toBe('https://api.partner.microsoft.com');

    const wrong = writeConfig(
      VALID.replace(
        '  clientId: 66666666-7777-8888-9999-000000000000\n',
        '  clientId: 66666666-7777-8888-9999-000000000000\n  signIn:\n    flow: deviceCode\n    redirectPort: 8400\n  webhooksSignIn:\n    kind: app\n',
      ),
    );
    const check = checkConfig({ file: wrong.file, env: { SF_CLIENT_SECRET: 'x' } });
    const paths = check.problems.map((problem) => problem.path);
    expect(paths).toEqual(['partnerCenter.signIn.redirectPort', 'partnerCenter.webhooksSignIn.kind']);
    const report = formatConfigProblems(check.problems, wrong.file);
    expect(report).toMatch(/sameUser|separateUser|appOnly/);
  });

  it('takes an app-only Webhooks sign-in with its own client id and a secret from the environment', () => {
    const withApp = (lines: string) =>
      writeConfig(
        VALID.replace(
          '  clientId: 66666666-7777-8888-9999-000000000000\n',
          `  clientId: 66666666-7777-8888-9999-000000000000\n  webhooksSignIn:\n    kind: appOnly\n${lines}`,
        ),
      ).file;
    const file = withApp(
      '    clientId: 77777777-8888-9999-0000-111111111111\n    clientSecret: ${PC_WEBHOOKS_SECRET}\n',
    );
    const { config } = loadConfig({ file, env: { SF_CLIENT_SECRET: 'x', PC_WEBHOOKS_SECRET: 's3cret' } });
    expect(config.partnerCenter.webhooksSignIn).toEqual({
      kind: 'appOnly',
      clientId: '77777777-8888-9999-0000-111111111111',
      clientSecret: 's3cret',
    });
    const check = checkConfig({ file: withApp(''), env: { SF_CLIENT_SECRET: 'x' } });
    expect(check.problems.map((problem) => [problem.path, problem.message])).toEqual([
      ['partnerCenter.webhooksSignIn.clientId', 'is missing (webhooksSignIn.kind appOnly needs it)'],
      ['partnerCenter.webhooksSignIn.clientSecret', 'is missing (webhooksSignIn.kind appOnly needs it)'],
    ]);
  });

  it('says so when an explicit --config file does not exist', () => {
    const check = checkConfig({ file: '/nonexistent/cosell.yaml', env: {} });
    expect(check.problems[0]).toMatchObject({
      path: '--config',
      message: expect.stringContaining('not found'),
    });
  });

  it('checks that referenced files exist and that the chosen Salesforce flow has what it needs', () => {
    const { file } = writeConfig(`
partnerCenter: { tenantId: t, clientId: c }
salesforce:
  auth: { flow: jwt, clientId: abc, username: integration@acme.com, privateKeyFile: ./missing.pem }
sync: { mappingFile: ./mapping.yaml }
`);
    const check = checkConfig({ file, env: {} });
    expect(check.problems.map((problem) => problem.path).sort()).toEqual([
      'salesforce.auth.privateKeyFile',
      'sync.mappingFile',
    ]);
    const jwtWithoutKey = writeConfig(
      'partnerCenter: { tenantId: t, clientId: c }\nsalesforce: { auth: { flow: jwt } }\n',
    );
    const paths = checkConfig({ file: jwtWithoutKey.file, env: {} })
      .problems.map((problem) => problem.path)
      .sort();
    expect(paths).toEqual([
      'salesforce.auth.clientId',
      'salesforce.auth.privateKeyFile',
      'salesforce.auth.username',
    ]);
  });

  it('requires an admin token when the server listens beyond loopback', () => {
    const { file } = writeConfig(`${VALID}server:\n  host: 0.0.0.0\n`);
    const check = checkConfig({ file, env: { SF_CLIENT_SECRET: 'x' } });
    expect(check.problems.map((problem) => problem.path)).toEqual(['server.adminToken']);
    const ok = checkConfig({
      file,
      env: { SF_CLIENT_SECRET: 'x', COSELL_SERVER_ADMIN_TOKEN: 'x'.repeat(24) },
    });
    expect(ok.problems).toEqual([]);
  });

  it('checks dashboard sign-in once: who may sign in, the callback URL, and the secret from the environment', () => {
    const signIn = (lines: string) =>
      `${VALID}dashboard:\n  signIn:\n    kind: microsoft\n    tenantId: 11111111-2222-3333-4444-555555555555\n    clientId: 99999999-7777-8888-9999-000000000000\n    clientSecret: \${DASHBOARD_SECRET}\n${lines}`;
    const env = { SF_CLIENT_SECRET: 'x', DASHBOARD_SECRET: 'dashboard-secret' };
    const good = writeConfig(signIn('    allowedUsers: [ana@contoso.example]\n'));
    const { config } = loadConfig({ file: good.file, env });
    expect(config.dashboard.signIn).toEqual({
      kind: 'microsoft',
      tenantId: '11111111-2222-3333-4444-555555555555',
      clientId: '99999999-7777-8888-9999-000000000000',
      clientSecret: 'dashboard-secret',
      allowedUsers: ['ana@contoso.example'],
      sessionHours: 8,
    });
    expect(loadConfig({ file: writeConfig(VALID).file, env }).config.dashboard.signIn).toEqual({
      kind: 'off',
    });

    const problems = (text: string) =>
      checkConfig({ file: writeConfig(text).file, env }).problems.map(
        (problem) => `${problem.path}: ${problem.message}`,
      );
    expect(problems(signIn(''))).toEqual([
      'dashboard.signIn.allowedUsers: nobody may sign in: list allowedUsers, or set allowedGroupId',
    ]);
    expect(
      problems(signIn('    allowedGroupId: sales\n    redirectUrl: https://cosell.example.com/callback\n')),
    ).toEqual([
      "dashboard.signIn.redirectUrl: must end with /auth/callback, the connector's sign-in callback",
      'dashboard.signIn.allowedGroupId: must be the group object id, a GUID',
    ]);
    // Beyond loopback, sign-in stands in for the admin token, but the callback address must be known.
    expect(
      problems(`${signIn('    allowedUsers: [ana@contoso.example]\n')}server:\n  host: 0.0.0.0\n`),
    ).toEqual([
      'dashboard.signIn.redirectUrl: is missing (dashboard sign-in on a server reachable from other machines needs it)',
    ]);
    expect(
      problems(
        `${signIn('    allowedUsers: [ana@contoso.example]\n')}server:\n  host: 0.0.0.0\n  publicUrl: https://connector.contoso.example\n`,
      ),
    ).toEqual([]);
  });

  it('reports YAML syntax errors with their line', () => {
    const { file } = writeConfig('store:\n  kind: sqlite\n   path: [unclosed\n');
    const check = checkConfig({ file, env: {} });
    expect(check.problems[0]?.path).toBe('(yaml)');
    expect(check.problems[0]?.line).toBeGreaterThan(0);
  });

  it('reports a YAML indentation mistake as one problem, not as every setting it hid', () => {
    const { file } = writeConfig(`
partnerCenter:
  tenantId: 11111111-2222-3333-4444-555555555555
   clientId: 66666666-7777-8888-9999-000000000000
salesforce:
  auth:
    flow: clientCredentials
`);
    const check = checkConfig({ file, env: {} });
    expect(check.problems).toHaveLength(1);
    // The parser points at the key the stray indent attached itself to, or at the stray line itself.
    expect(check.problems[0]?.path).toBe('(yaml)');
    expect([3, 4]).toContain(check.problems[0]?.line);
    expect(check.problems[0]?.hint).toContain('indent');
  });

  it('says the config file is missing when there is none, instead of listing every setting as missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosell-config-'));
    const check = checkConfig({ cwd: dir, env: {} });
    expect(check.problems).toEqual([
      expect.objectContaining({
        path: 'cosell.yaml',
        message: `config file not found: ${join(dir, 'cosell.yaml')}`,
        hint: expect.stringContaining('cosell init'),
      }),
    ]);
    // A deployment configured by COSELL_* variables alone still loads without a file.
    const byEnv = checkConfig({
      cwd: dir,
      env: {
        COSELL_PARTNER_CENTER_TENANT_ID: 't',
        COSELL_PARTNER_CENTER_CLIENT_ID: 'c',
        COSELL_SALESFORCE_AUTH_FLOW: 'clientCredentials',
        COSELL_SALESFORCE_AUTH_CLIENT_ID: 'id',
        COSELL_SALESFORCE_AUTH_CLIENT_SECRET: 'secret',
        COSELL_STORE_KIND: 'postgres',
        COSELL_STORE_URL: 'postgres://db/cosell',
      },
    });
    expect(byEnv.problems).toEqual([]);
    expect(byEnv.config?.store).toEqual({ kind: 'postgres', url: 'postgres://db/cosell' });
    expect(byEnv.config?.queue.kind).toBe('pg-boss');
  });

  it('names the choices for an unknown store kind or Salesforce flow, and the settings of the chosen variant', () => {
    const { file } = writeConfig(`
store: { kind: postgress, url: postgres://db/x }
partnerCenter: { tenantId: t, clientId: c }
salesforce:
  auth: { flow: jwt-bearer, clientId: x }
`);
    const check = checkConfig({ file, env: {} });
    expect(check.problems).toEqual([
      expect.objectContaining({ path: 'store.kind', line: 2, hint: 'use one of: sqlite, postgres' }),
      expect.objectContaining({
        path: 'salesforce.auth.flow',
        line: 5,
        hint: 'use one of: jwt, refreshToken, clientCredentials, password',
      }),
    ]);

    const sqliteWithUrl = writeConfig(`${VALID}    username: someone@acme.com\nqueue: { kind: pg-boss }\n`);
    const paths = checkConfig({ file: sqliteWithUrl.file, env: { SF_CLIENT_SECRET: 'x' } }).problems.map(
      (problem) => `${problem.path}: ${problem.message}`,
    );
    expect(paths).toEqual([
      'salesforce.auth.username: unknown key "username"',
      'queue.kind: queue.kind pg-boss needs store.kind postgres',
    ]);
  });

  it('needs exactly one JWT key setting', () => {
    const { file } = writeConfig(`
partnerCenter: { tenantId: t, clientId: c }
salesforce:
  auth: { clientId: abc, username: u@acme.com, privateKey: inline, privateKeyFile: ./k.pem }
`);
    const check = checkConfig({ file, env: {} });
    expect(check.problems.map((problem) => [problem.path, problem.message])).toEqual([
      ['salesforce.auth.privateKey', 'privateKey and privateKeyFile are both set'],
    ]);
  });

  it('does not report a value whose ${ENV} reference is unset a second time as invalid', () => {
    const { file } = writeConfig(`${VALID}server:\n  publicUrl: \${PUBLIC_URL}\n`);
    const check = checkConfig({ file, env: { SF_CLIENT_SECRET: 'x' } });
    expect(check.problems.map((problem) => problem.path)).toEqual(['server.publicUrl']);
    expect(check.problems[0]?.message).toContain('PUBLIC_URL');
  });
});
