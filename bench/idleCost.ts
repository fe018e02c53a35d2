/**
 * Idle cost: Salesforce and Partner Center API calls per day when nothing changes, at the default intervals.
 * A connector opened on the sandbox (embedded store, no worker running) talks to Partner Center through a counting
 * proxy, and its Salesforce calls are read from the emulator's API usage counter; with the
 * worker's cursors already set (a first pass of each), one pass of each scheduled job is measured — the Salesforce
 * change poll, the Partner Center reconcile and the alert evaluation — several times over, and the calls per pass
 * are extrapolated to a day at the default intervals. Once with no linked deal, once with N linked deals (synced
 * by a backfill first). Sign-in token requests are not API calls and are not counted.
 */
import type { Connector } from '../src/app.ts';
import { openConnector } from '../src/app.ts';
import { ChangePoller } from '../src/salesforce/changePoller.ts';
import { silentLogger } from '../src/shared/logger.ts';
import { salesforceFieldNamesFrom } from '../src/sync/salesforceFieldNamesFrom.ts';
import { reconcile } from '../src/sync/syncWorker.ts';
import { TEST_SECRET_KEY } from '../test/support/childProcess.ts';
import { type RecordingProxy, startRecordingProxy } from '../test/support/recordingProxy.ts';
import { startTestSandbox, type TestSandbox, waitFor } from '../test/support/sandboxHarness.ts';
import { withConnectionSettings } from '../test/support/withConnectionSettings.ts';
import { type BenchContext, type Benchmark, type BenchRow, scaled } from './benchmark.ts';
import { createReferrals, enqueueBackfill } from './benchSandbox.ts';

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

interface Counters {
  /** Salesforce API requests so far (the emulator's daily usage counter). */
  salesforce(): Promise<number>;
  partnerCenter: RecordingProxy;
}

const isPartnerCenterApi = (path: string) => !path.includes('/oauth2/');

/** Mean calls of one pass of `run`, after a first pass that sets its cursors. */
async function costOfPass(counters: Counters, run: () => Promise<unknown>): Promise<PassCost> {
  await run();
  // Reading the counter may itself count: measure that and leave it out.
  const reading = (await counters.salesforce()) - (await counters.salesforce());
  const salesforceBefore = await counters.salesforce();
  const partnerCenterBefore = counters.partnerCenter.requests.length;
  for (let pass = 0; pass < PASSES; pass += 1) await run();
  const salesforceCalls = (await counters.salesforce()) - salesforceBefore + reading;
  const partnerCenterCalls = counters.partnerCenter.requests
    .slice(partnerCenterBefore)
    .filter((request) => isPartnerCenterApi(request.path)).length;
  return { salesforce: salesforceCalls / PASSES, partnerCenter: partnerCenterCalls / PASSES };
}

async function measureIdle(sandbox: TestSandbox, linked: number, context: BenchContext): Promise<BenchRow[]> {
  const partnerCenter = await startRecordingProxy(sandbox.urls.partnerCenter);
  const counters: Counters = {
    salesforce: async () => Number((await sandbox.sf('POST', '/__emulator/limits', {}))['used'] ?? 0),
    partnerCenter,
  };
  const config = withConnectionSettings(sandbox.config, {
    partnerCenter: { referralsUrl: partnerCenter.url, webhooksUrl: partnerCenter.url },
  });
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
      poll: await costOfPass(counters, () => poller.poll()),
      reconcile: await costOfPass(counters, () => reconcile({ deps: opened.deps, queue: opened.queue })),
      alerts: await costOfPass(counters, () => opened.alerts.evaluate()),
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
    await partnerCenter.close();
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
      // Nothing else may call the emulators while a pass is counted: the sandbox's own worker stops first.
      await sandbox.connector.close();
      const rows = [...(await measureIdle(sandbox, 0, context))];
      context.say(`idle: syncing ${linked} deals…`);
      const worker = await openConnector({
        config: sandbox.config,
        logger: silentLogger,
        env: { ...process.env, COSELL_SECRET_KEY: TEST_SECRET_KEY },
      });
      try {
        await worker.start({ http: false, worker: true });
        await enqueueBackfill(worker, new Set(await createReferrals(sandbox, 'idle', linked)));
        await waitFor(
          `${linked} linked deals`,
          async () =>
            (await sandbox.seller.query("SELECT COUNT() FROM Opportunity WHERE Name LIKE 'Bench idle %'"))
              .totalSize >= linked,
          { timeoutMs: 600_000, intervalMs: 500 },
        );
      } finally {
        await worker.close();
      }
      rows.push(...(await measureIdle(sandbox, linked, context)));
      return rows;
    } finally {
      await sandbox.stop();
    }
  },
};
