/**
 * Idle cost: Salesforce and Partner Center API calls per day when nothing changes, at the default intervals.
 * A connector opened on the sandbox (embedded store) talks to both emulators through counting proxies; with the
 * worker's cursors already set (a first pass of each), one pass of each scheduled job is measured — the Salesforce
 * change poll, the Partner Center reconcile and the alert evaluation — several times over, and the calls per pass
 * are extrapolated to a day at the default intervals. Once with no linked deal, once with N linked deals (synced
 * by a backfill first). Sign-in token requests are not API calls and are not counted.
 */
import type { Connector } from '../src/app.ts';
import { openConnector } from '../src/app.ts';
import type { CosellConfig } from '../src/config/configSchema.ts';
import { ChangePoller } from '../src/salesforce/changePoller.ts';
import { silentLogger } from '../src/shared/logger.ts';
import { enqueueDealSync } from '../src/sync/dealJobs.ts';
import { salesforceFieldNamesFrom } from '../src/sync/salesforceFieldNamesFrom.ts';
import { reconcile } from '../src/sync/syncWorker.ts';
import { TEST_SECRET_KEY } from '../test/support/childProcess.ts';
import { type RecordingProxy, startRecordingProxy } from '../test/support/recordingProxy.ts';
import { startTestSandbox, type TestSandbox, waitFor } from '../test/support/sandboxHarness.ts';
import { type BenchContext, type Benchmark, type BenchRow, scaled } from './benchmark.ts';
import { createReferrals } from './benchSandbox.ts';

const LINKED_DEALS = 1000;
const PASSES = 5;
const DAY_SECONDS = 86_400;
/** The defaults of sync.pollIntervalSeconds, sync.reconcileIntervalSeconds and alerts.evaluateIntervalSeconds. */
const DEFAULT_INTERVAL_SECONDS = { poll: 30, reconcile: 900, alerts: 60 };
const SALESFORCE_TARGET_PER_DAY = 3_000;

interface PassCost {
  salesforce: number;
  partnerCenter: number;
}

const apiCalls = (proxy: RecordingProxy, from: number, isApi: (path: string) => boolean) =>
  proxy.requests.slice(from).filter((request) => isApi(request.path)).length;
const isSalesforceApi = (path: string) => path.startsWith('/services/data');
const isPartnerCenterApi = (path: string) => !path.includes('/oauth2/');

/** Mean calls of one pass of `run`, after a first pass that sets its cursors. */
async function costOfPass(
  proxies: { salesforce: RecordingProxy; partnerCenter: RecordingProxy },
  run: () => Promise<unknown>,
): Promise<PassCost> {
  await run();
  const from = { sf: proxies.salesforce.requests.length, pc: proxies.partnerCenter.requests.length };
  for (let pass = 0; pass < PASSES; pass += 1) await run();
  return {
    salesforce: apiCalls(proxies.salesforce, from.sf, isSalesforceApi) / PASSES,
    partnerCenter: apiCalls(proxies.partnerCenter, from.pc, isPartnerCenterApi) / PASSES,
  };
}

async function measureIdle(sandbox: TestSandbox, linked: number, context: BenchContext): Promise<BenchRow[]> {
  const proxies = {
    salesforce: await startRecordingProxy(sandbox.urls.salesforce),
    partnerCenter: await startRecordingProxy(sandbox.urls.partnerCenter),
  };
  const config: CosellConfig = {
    ...sandbox.config,
    partnerCenter: {
      ...sandbox.config.partnerCenter,
      referralsUrl: proxies.partnerCenter.url,
      webhooksUrl: proxies.partnerCenter.url,
    },
    salesforce: { ...sandbox.config.salesforce, loginUrl: proxies.salesforce.url },
  };
  let connector: Connector | null = null;
  try {
    connector = await openConnector({
      config,
      logger: silentLogger,
      env: { ...process.env, COSELL_SECRET_KEY: TEST_SECRET_KEY },
    });
    const opened = connector;
    const poller = new ChangePoller({
      client: opened.salesforce.client,
      cursors: opened.store.cursors,
      connectionId: config.connectionId,
      fieldNames: salesforceFieldNamesFrom(opened.mapping),
      watchLeads: opened.mapping.leads.handling === 'lead',
    });
    context.say(`idle: measuring ${PASSES} passes of each scheduled job with ${linked} linked deals…`);
    const costs = {
      poll: await costOfPass(proxies, () => poller.poll()),
      reconcile: await costOfPass(proxies, () => reconcile({ deps: opened.deps, queue: opened.queue })),
      alerts: await costOfPass(proxies, () => opened.alerts.evaluate()),
    };
    const perDay = (side: keyof PassCost) =>
      Math.round(
        (Object.keys(costs) as (keyof typeof costs)[]).reduce(
          (sum, job) => sum + (costs[job][side] * DAY_SECONDS) / DEFAULT_INTERVAL_SECONDS[job],
          0,
        ),
      );
    const breakdown = (side: keyof PassCost) =>
      (Object.keys(costs) as (keyof typeof costs)[])
        .map((job) => `${job} ${costs[job][side]} per pass every ${DEFAULT_INTERVAL_SECONDS[job]} s`)
        .join(', ');
    const salesforcePerDay = perDay('salesforce');
    return [
      {
        benchmark: 'idle',
        measure: `Salesforce calls per day, nothing changing, ${linked} linked deals`,
        count: PASSES,
        perSecond: salesforcePerDay / DAY_SECONDS,
        target: {
          text: `≤ ${SALESFORCE_TARGET_PER_DAY.toLocaleString('en-US')} per day per connection`,
          met: salesforcePerDay <= SALESFORCE_TARGET_PER_DAY,
        },
        note: `${salesforcePerDay} per day: ${breakdown('salesforce')}`,
      },
      {
        benchmark: 'idle',
        measure: `Partner Center calls per day, nothing changing, ${linked} linked deals`,
        count: PASSES,
        perSecond: perDay('partnerCenter') / DAY_SECONDS,
        note: `${perDay('partnerCenter')} per day: ${breakdown('partnerCenter')}`,
      },
    ];
  } finally {
    await connector?.close();
    await proxies.salesforce.close();
    await proxies.partnerCenter.close();
  }
}

export const idleCost: Benchmark = {
  name: 'idle',
  description:
    'Salesforce and Partner Center API calls per day at the default intervals with nothing changing',
  async run(context) {
    const linked = scaled(context, LINKED_DEALS, 10);
    const sandbox = await startTestSandbox({ pollIntervalSeconds: 2 });
    try {
      // The sandbox's own connector would poll and reconcile beside the measured one: it only syncs the deals.
      const rows = [...(await measureIdle(sandbox, 0, context))];
      context.say(`idle: syncing ${linked} deals…`);
      const { connector } = sandbox;
      const ids = await createReferrals(sandbox, 'idle', linked);
      for (const referralId of ids)
        await enqueueDealSync(connector.deps, connector.queue, { referralId, trigger: 'backfill' });
      await waitFor(
        `${linked} linked deals`,
        async () =>
          (await sandbox.seller.query("SELECT COUNT() FROM Opportunity WHERE Name LIKE 'Bench idle %'"))
            .totalSize >= linked,
        { timeoutMs: 600_000, intervalMs: 500 },
      );
      await sandbox.connector.close();
      rows.push(...(await measureIdle(sandbox, linked, context)));
      return rows;
    } finally {
      await sandbox.stop();
    }
  },
};
