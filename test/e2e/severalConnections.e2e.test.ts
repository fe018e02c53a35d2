/**
 * Two Partner Center tenant ↔ Salesforce org pairs in one connector (one store, one queue, one server): each
 * deal syncs on its own pair, webhooks of the second connection arrive at its own path, and when one connection's
 * sign-in is revoked it pauses while the other keeps syncing; its deal jobs wait unclaimed until it is signed in
 * again, then sync.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connector, connectionWebhookPath, openConnector } from '../../src/app.ts';
import { configForFile, eachConnectionConfig } from '../../src/config/connectionConfig.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { JOB } from '../../src/sync/dealJobs.ts';
import { runCosell, TEST_SECRET_KEY } from '../support/childProcess.ts';
import { hasChromium, launchChromium } from '../support/headlessChromium.ts';
import { inboundReferral, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';
import { startSandboxPair } from '../support/sandboxPair.ts';

const IDS = ['east', 'west'] as const;

describe('two connections in one connector', () => {
  let sandboxes: TestSandbox[] = [];
  let connector: Connector;
  let configFile: string;
  let storePath: string;
  const sandboxOf = (id: string) => sandboxes[IDS.indexOf(id as (typeof IDS)[number])] as TestSandbox;

  /** Microsoft sends a referral to the connection's tenant; its id. */
  const newReferral = async (id: string, name: string) =>
    String((await sandboxOf(id).pc('POST', '/__emulator/referrals', inboundReferral({ name })))['id']);

  /** The synced link of a referral in a connection, once there is one. */
  const syncedLink = (id: string, referralId: string) =>
    waitFor(`referral ${referralId} synced in connection ${id}`, async () => {
      const link = await connector.store.links.findByReferralId(id, referralId);
      return link?.state === 'synced' && link.opportunityId ? link : null;
    });

  const opportunityNames = async (id: string) =>
    (await sandboxOf(id).seller.query<{ Name: string }>('SELECT Name FROM Opportunity')).records
      .map((record) => record.Name)
      .sort();

  /** The connection's deal jobs in the queue: key and how often each was claimed. */
  const dealJobs = (id: string) => {
    const db = new Database(storePath, { readonly: true });
    try {
      return db
        .prepare<[string, string], { job_key: string; attempts: number }>(
          'SELECT job_key, attempts FROM queue_job WHERE name = ? AND connection_id = ?',
        )
        .all(JOB.dealSync, id);
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    const pair = await startSandboxPair(IDS, (firstDir) =>
      firstDir ? { kind: 'sqlite', path: join(firstDir, 'cosell.db') } : null,
    );
    sandboxes = pair.sandboxes;
    const config = pair.config;
    storePath = config.store.kind === 'sqlite' ? config.store.path : '';
    configFile = join(sandboxOf('east').dir, 'two-connections.json');
    writeFileSync(configFile, JSON.stringify(configForFile(config)));
    connector = await openConnector({
      config,
      logger: silentLogger,
      env: { ...process.env, COSELL_SECRET_KEY: TEST_SECRET_KEY },
      // Paused connections are tried again only when the test signs them in again.
      pausedProbeMs: 3_600_000,
    });
    await connector.start({ http: true, worker: true });
    for (const each of eachConnectionConfig(config))
      await connector
        .connection(each.connectionId)
        .webhooks.register(`${connector.url}${connectionWebhookPath(each)}`, undefined, { overwrite: true });
  });

  afterAll(async () => {
    await connector?.close();
    for (const sandbox of sandboxes) {
      await sandbox.emulators.close();
      rmSync(sandbox.dir, { recursive: true, force: true });
    }
  });

  it('syncs each deal on its own pair, the second connection through its own webhook path', async () => {
    expect(connectionWebhookPath(connector.connection('west').config)).toBe(
      '/connections/west/webhooks/partner-center',
    );
    const east = await newReferral('east', 'East – landing zone');
    const west = await newReferral('west', 'West – data platform');
    const links = [await syncedLink('east', east), await syncedLink('west', west)];
    expect(await opportunityNames('east')).toEqual(['East – landing zone']);
    expect(await opportunityNames('west')).toEqual(['West – data platform']);
    // Each deal came in through its own tenant's webhook (not a reconcile pass).
    for (const [i, id] of IDS.entries()) {
      const linkId = links[i]?.id ?? '';
      const audit = await connector.store.audit.list({ connectionId: id, linkId, limit: 10 });
      expect(audit.map((entry) => entry.trigger)).toContain('webhook');
    }
  });

  it('reports each connection with its limits in cosell status --json', async () => {
    const status = await runCosell(['status', '--json', '--config', configFile], {
      env: { COSELL_SECRET_KEY: TEST_SECRET_KEY },
    });
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as {
      connections: { connectionId: string; links: { synced: number }; limits: { concurrency: number } }[];
    };
    expect(report.connections.map((each) => [each.connectionId, each.links.synced])).toEqual([
      ['east', 1],
      ['west', 1],
    ]);
    expect(report.connections[0]?.limits.concurrency).toBe(connector.config.queue.concurrency);
    const one = await runCosell(['audit', '--json', '--config', configFile], {
      env: { COSELL_SECRET_KEY: TEST_SECRET_KEY },
    });
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/--connection.*lists 2 connections \(east, west\)/s);
  });

  it.runIf(hasChromium)(
    'the dashboard switches between connections; every API call and deep link keeps the chosen one',
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
        page.setDefaultTimeout(20_000);
        const problems: string[] = [];
        const apiCalls: string[] = [];
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        page.on('request', (request) => {
          const { pathname } = new URL(request.url());
          if (pathname.includes('/api/')) apiCalls.push(pathname);
        });
        page.on('response', (response) => {
          if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
        });
        const dealRow = (text: string) => page.locator('#deals-table tbody tr', { hasText: text });

        // Without a choice: the first connection, with a switcher naming both and its limits.
        await page.goto(`${connector.url}/#/deals`);
        await dealRow('East – landing zone').waitFor();
        const switcher = page.getByRole('combobox', { name: 'Connection', exact: true });
        expect(await switcher.inputValue()).toBe('east');
        expect(await switcher.locator('option').allTextContents()).toEqual(['east', 'west']);
        expect(await page.locator('#connection-limits').textContent()).toContain(
          `${connector.config.queue.concurrency} batches at once`,
        );
        expect(await dealRow('West – data platform').count()).toBe(0);

        // Choosing west shows west's deals at the same view, and its address says so.
        apiCalls.length = 0;
        await switcher.selectOption('west');
        await dealRow('West – data platform').waitFor();
        expect(new URL(page.url()).searchParams.get('connection')).toBe('west');
        expect(new URL(page.url()).hash).toBe('#/deals');
        expect(await dealRow('East – landing zone').count()).toBe(0);
        const westCalls = apiCalls.filter((path) => path !== '/api/connections');
        expect(westCalls.length).toBeGreaterThan(0);
        expect(westCalls.filter((path) => !path.startsWith('/connections/west/api/'))).toEqual([]);

        // A deep link to a west deal opens it for west.
        const westDeal = await connector.store.links.list({ connectionId: 'west', limit: 10 });
        const link = westDeal.find((each) => each.state === 'synced');
        await page.goto(`${connector.url}/?connection=west#/deals/${link?.id}`);
        await page.locator('#deal-heading', { hasText: 'West – data platform' }).waitFor();
        expect(await page.getByRole('combobox', { name: 'Connection', exact: true }).inputValue()).toBe(
          'west',
        );
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );

  it('keeps syncing one connection while the other is paused, and leaves the paused one’s deals unclaimed until it signs in again', async () => {
    // East's sign-in is revoked (refresh token and access tokens): its next deal job fails and pauses it.
    await sandboxOf('east').pc('POST', '/__emulator/refresh-tokens/revoke', {});
    await sandboxOf('east').pc('POST', '/__emulator/access-tokens/expire');
    const pausing = await newReferral('east', 'East – pauses the connection');
    await waitFor('connection east to be paused', async () => {
      const east = await connector.store.connections.get('east');
      return east?.state === 'paused';
    });

    // While east is paused: a new east deal is enqueued, then a west deal arrives and syncs.
    const waiting = await newReferral('east', 'East – waits');
    await waitFor('the waiting east deal to be queued', () =>
      dealJobs('east').some((job) => job.job_key.endsWith(`:${waiting}`)),
    );
    const west = await newReferral('west', 'West – while east is paused');
    await syncedLink('west', west);
    expect(await opportunityNames('west')).toContain('West – while east is paused');
    expect((await connector.store.connections.get('west'))?.state).toBe('active');
    // East's waiting deal was never claimed (attempts 0) while west's later one synced.
    const eastJobs = dealJobs('east');
    expect(eastJobs.find((job) => job.job_key.endsWith(`:${waiting}`))?.attempts).toBe(0);
    expect(eastJobs.find((job) => job.job_key.endsWith(`:${pausing}`))?.attempts).toBe(1);
    expect(await connector.store.links.findByReferralId('east', waiting)).toBeNull();

    // Signing east in again (what `cosell connect partner-center` does) lets its waiting deal sync.
    const east = connector.connection('east');
    await east.partnerCenterAuth.signOut();
    await east.partnerCenterAuth.signInWithDeviceCode({ onPrompt: () => undefined, timeoutSeconds: 60 });
    await connector.store.connections.setState('east', 'active', null);
    await syncedLink('east', waiting);
    expect(await opportunityNames('east')).toContain('East – waits');
  });
});
