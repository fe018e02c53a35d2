/**
 * Secrets at rest and in every output, in a real run of the commands as separate processes against the emulators:
 * `cosell emulate`, `salesforce install`, `connect partner-center`, a real `connect salesforce` (authorization code
 * through the loopback redirect: a refresh token is stored), `serve` with debug logs, a webhook-driven sync, then
 * `status`, `audit`, `doctor`. Known secret values are seeded (the Salesforce client secret, the admin token, the
 * encryption key) or learned (the refresh tokens, the JWT key). None of them may appear in the raw database (the
 * SQLite file bytes; every Postgres row as text), any log line, any command's output, any admin API answer or the
 * dashboard's HTML.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { emulatorControl } from '../../src/sandbox/emulatorControl.ts';
import { openStore } from '../../src/store/openStore.ts';
import { SecretBox, SecretVault } from '../../src/store/secretBox.ts';
import {
  COSELL_BIN,
  childEnv,
  freePort,
  runCosell,
  spawnEmulateWritingConfig,
  spawnTracked,
  type TrackedProcess,
} from '../support/childProcess.ts';
import { hasChromium, launchChromium } from '../support/headlessChromium.ts';
import { inboundReferral } from '../support/sandboxHarness.ts';
import { postgresSkipReason, testDatabaseUrl } from '../support/testStores.ts';
import { waitFor } from '../support/waitFor.ts';

const SECRET_KEY = Buffer.from('a-known-cosell-secret-key-32byte').toString('base64');
const CLIENT_SECRET = 'known-sf-client-secret-7f3a9c1e5b';
const ADMIN_TOKEN = 'known-admin-token-4b8d2f6a0c9e';
/** What `cosell emulate --write-config` names the connection. */
const CONNECTION_ID = 'emulated';

interface RunResult {
  /** Every line any process printed (stdout and stderr), including the serve process's debug logs. */
  output: string[];
  /** Every admin API answer and the dashboard's files, as text. */
  answers: string[];
  /** The secret values this run used, by what they are. */
  secrets: Record<string, string>;
  storeConfig: Record<string, unknown>;
  dir: string;
}

/** The whole run; `store` is the config's store section (SQLite file or Postgres schema). */
async function runWithSecrets(store: (dir: string) => Record<string, unknown>): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-secrets-'));
  const file = join(dir, 'cosell.yaml');
  const env = childEnv({ COSELL_SECRET_KEY: SECRET_KEY, SF_CLIENT_SECRET: CLIENT_SECRET });
  const processes: TrackedProcess[] = [];
  const answers: string[] = [];
  const cli = async (...args: string[]) => {
    const run = await runCosell([...args, '--config', file], { env });
    processes.push({
      stdoutLines: run.stdout.split('\n'),
      stderrLines: run.stderr.split('\n'),
    } as TrackedProcess);
    return run;
  };
  const emulate = spawnEmulateWritingConfig(file, env);
  processes.push(emulate);
  let serve: TrackedProcess | undefined;
  try {
    const urls = JSON.parse(await emulate.waitForLine(/^\{/, 30_000)) as Record<string, string>;
    const salesforceUrl = String(urls['salesforce']);
    const partnerCenterUrl = String(urls['partnerCenter']);
    await emulatorControl(salesforceUrl, 'POST', '/__emulator/connected-app', {
      clientSecret: CLIENT_SECRET,
    });
    const port = await freePort();
    const config = parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
    const jwtAuth = (config['salesforce']?.['auth'] ?? {}) as Record<string, unknown>;
    const jwtKeyFile = String(jwtAuth['privateKeyFile']);
    const clientId = String(jwtAuth['clientId']);
    const storeConfig = store(dir);
    writeFileSync(
      file,
      stringify({
        ...config,
        store: storeConfig,
        server: { host: '127.0.0.1', port, adminToken: ADMIN_TOKEN },
        salesforce: {
          ...config['salesforce'],
          auth: { flow: 'refreshToken', clientId, clientSecret: '${SF_CLIENT_SECRET}' },
        },
        log: { level: 'debug' },
      }),
    );

    await connectSalesforce(file, env, processes);
    const install = await cli('salesforce', 'install');
    expect(install.code, install.stderr).toBe(0);
    expect((await cli('connect', 'partner-center')).code).toBe(0);

    serve = spawnTracked(process.execPath, [COSELL_BIN, 'serve', '--config', file], { env });
    processes.push(serve);
    await serve.waitForLine(/cosell is listening/, 60_000);
    const base = `http://127.0.0.1:${port}`;
    expect((await cli('webhooks', 'register', '--url', `${base}/webhooks/partner-center`)).code).toBe(0);

    const created = await emulatorControl(
      partnerCenterUrl,
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Secrets run deal' }),
    );
    const referralId = String(created['id']);
    const api = async (path: string) => {
      const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const text = await response.text();
      answers.push(text);
      return { status: response.status, text };
    };
    const linkId = await waitFor(
      'the synced link',
      async () => {
        const links = JSON.parse((await api('/api/links?state=synced')).text) as {
          links: { id: string; referralId: string }[];
        };
        return links.links.find((link) => link.referralId === referralId)?.id;
      },
      { timeoutMs: 60_000 },
    );

    for (const path of [
      '/api/status',
      '/api/links',
      `/api/links/${linkId}`,
      '/api/audit',
      '/api/dead-letters',
      '/api/deals',
      `/api/deals/${linkId}`,
      `/api/deals/${linkId}/comparison`,
      '/api/attention',
      '/api/overview',
      '/api/alerts',
      '/api/mapping',
      '/',
      '/dashboard.js',
      '/lib/api.js',
      '/metrics',
      '/readyz',
    ])
      expect((await api(path)).status, path).toBeLessThan(500);
    // The dashboard as a browser renders it, when one is installed.
    answers.push(await renderedDashboard(base));

    // Commands that only read: run side by side.
    const [doctor, ...reads] = await Promise.all([
      cli('doctor', '--json'),
      cli('status', '--json'),
      cli('status'),
      cli('audit'),
      cli('webhooks', 'show'),
    ]);
    expect(reads.map((read) => read.code)).toEqual([0, 0, 0, 0]);
    // The doctor's verdict depends on this machine (e.g. no public URL); what matters is what it printed.
    expect(doctor.stdout).toContain('"checks"');
    await serve.stop('SIGTERM');

    const secrets = await knownSecrets(storeConfig, jwtKeyFile);
    const output = processes.flatMap((process) => [...process.stdoutLines, ...process.stderrLines]);
    return { output, answers, secrets, storeConfig, dir };
  } finally {
    await serve?.stop('SIGTERM');
    await emulate.stop('SIGTERM');
  }
}

/** `cosell connect salesforce`, with this test as the browser: open the URL, follow the redirect to the loopback. */
async function connectSalesforce(file: string, env: NodeJS.ProcessEnv, processes: TrackedProcess[]) {
  const redirectPort = await freePort();
  const connect = spawnTracked(
    process.execPath,
    [COSELL_BIN, 'connect', 'salesforce', '--config', file, '--redirect-port', String(redirectPort)],
    { env },
  );
  processes.push(connect);
  const authorizeUrl = await waitFor('the sign-in URL', () =>
    connect.stderrLines.find((line) => line.startsWith('http')),
  );
  const authorize = await fetch(authorizeUrl, { redirect: 'manual' });
  const callback = authorize.headers.get('location');
  expect(callback).toContain(`http://localhost:${redirectPort}/oauth/callback`);
  const landed = await fetch(String(callback).replace('localhost', '127.0.0.1'));
  expect(landed.status).toBe(200);
  expect((await connect.exited).code).toBe(0);
  expect(connect.stdoutLines.join('\n')).toContain('Salesforce refresh token stored (encrypted)');
}

/** What the run's secrets are: the seeded ones, and the ones learned by decrypting the store with the key. */
async function knownSecrets(storeConfig: Record<string, unknown>, jwtKeyFile: string) {
  const store = await openStore(storeConfig as Parameters<typeof openStore>[0]);
  try {
    const vault = new SecretVault(store.secrets, SecretBox.fromEnv({ COSELL_SECRET_KEY: SECRET_KEY }));
    const refreshToken = await vault.get(CONNECTION_ID, 'salesforce.refresh-token');
    const msalCache = JSON.parse(
      (await vault.get(CONNECTION_ID, 'partner-center.msal-cache')) ?? '{}',
    ) as Record<string, Record<string, { secret?: string }>>;
    const tokenOf = (kind: string) => Object.values(msalCache[kind] ?? {})[0]?.secret;
    const jwtKeyLine = readFileSync(jwtKeyFile, 'utf8').split('\n')[1];
    const secrets: Record<string, string | null | undefined> = {
      'encryption key': SECRET_KEY,
      'encryption key (hex)': Buffer.from(SECRET_KEY, 'base64').toString('hex'),
      'Salesforce client secret': CLIENT_SECRET,
      'admin token': ADMIN_TOKEN,
      'Salesforce refresh token': refreshToken,
      'Partner Center refresh token': tokenOf('RefreshToken'),
      'Partner Center access token': tokenOf('AccessToken'),
      'JWT private key': jwtKeyLine,
    };
    for (const [what, value] of Object.entries(secrets))
      if (!value || value.length < 16) throw new Error(`The run did not produce a usable ${what}`);
    return secrets as Record<string, string>;
  } finally {
    await store.close();
  }
}

async function renderedDashboard(base: string): Promise<string> {
  if (!hasChromium) return '';
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/#/deals`);
    await page.locator('#token-input').fill(ADMIN_TOKEN);
    await page.locator('#token-form button').click();
    await page.locator('#deals-table tbody tr', { hasText: 'Secrets run deal' }).waitFor();
    return await page.content();
  } finally {
    await browser.close();
  }
}

/** Which secrets occur in the texts, as "what: where" lines (empty when none). */
function leaks(secrets: Record<string, string>, texts: Record<string, string>): string[] {
  return Object.entries(secrets).flatMap(([what, value]) =>
    Object.entries(texts)
      .filter(([, text]) => text.includes(value))
      .map(([where]) => `${what} in ${where}`),
  );
}

describe('secrets in a real run on SQLite', () => {
  let run: RunResult | undefined;
  afterAll(() => {
    if (run) rmSync(run.dir, { recursive: true, force: true });
  });

  it('appear in no log line, command output, admin API answer, dashboard HTML, nor in the database file', async () => {
    run = await runWithSecrets((dir) => ({ kind: 'sqlite', path: join(dir, 'cosell.db') }));
    const path = String(run.storeConfig['path']);
    const database = [path, `${path}-wal`].map((file) => {
      try {
        return readFileSync(file).toString('latin1');
      } catch {
        return '';
      }
    });
    expect(database[0]?.length).toBeGreaterThan(0);
    expect(
      leaks(run.secrets, {
        output: run.output.join('\n'),
        answers: run.answers.join('\n'),
        'SQLite file': database[0] ?? '',
        'SQLite WAL': database[1] ?? '',
      }),
    ).toEqual([]);
    // The debug logs were really captured: the serve process logged the sync.
    expect(run.output.some((line) => line.includes('"level":20'))).toBe(true);
  }, 240_000);
});

const url = testDatabaseUrl();
const skipReason = postgresSkipReason();
describe.skipIf(!url)(
  `secrets in a real run on Postgres${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const schema = `secrets_${process.pid}_${Date.now().toString(36)}`;
    afterAll(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS ${schema}_queue CASCADE`);
      await client.end();
    });

    it('appear in no row of any table (store and queue), log line, output or answer', async () => {
      const run = await runWithSecrets(() => ({ kind: 'postgres', url, schema }));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const tables = await client.query<{ table_schema: string; table_name: string }>(
          `SELECT table_schema, table_name FROM information_schema.tables
         WHERE table_schema IN ($1, $2) AND table_type = 'BASE TABLE'`,
          [schema, `${schema}_queue`],
        );
        expect(tables.rows.map((row) => row.table_name)).toContain('secret');
        const rows: string[] = [];
        for (const { table_schema, table_name } of tables.rows) {
          const result = await client.query<{ row: string }>(
            `SELECT t::text AS row FROM "${table_schema}"."${table_name}" t`,
          );
          rows.push(...result.rows.map((row) => `${table_name}: ${row.row}`));
        }
        expect(rows.some((row) => row.startsWith('secret: '))).toBe(true);
        expect(
          leaks(run.secrets, {
            'Postgres rows': rows.join('\n'),
            output: run.output.join('\n'),
            answers: run.answers.join('\n'),
          }),
        ).toEqual([]);
      } finally {
        await client.end();
        rmSync(run.dir, { recursive: true, force: true });
      }
    }, 240_000);
  },
);
