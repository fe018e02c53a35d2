/**
 * Backfill throughput, as a user runs it: Microsoft has assigned N referrals (each a new customer with one
 * contact and one solution) that Salesforce has never seen, and the admin runs `cosell sync`. Everything is a
 * separate process — `cosell emulate` (both emulators), then `cosell sync --config …` — so the connector has its
 * own event loop, as it would beside a real Salesforce org. Each row is a fresh deployment.
 *
 * Rows, at 0 and at 50 ms injected latency per Salesforce call:
 * - `cosell sync` of N referrals: wall time of the command (listing, enqueueing, syncing, waiting), deals/s,
 *   Salesforce and Partner Center API calls per deal (the emulators' own counters), peak RSS of the process;
 * - the ceiling: the same emulator's raw sObject Collections write rate (200 records a call, as many calls at
 *   once as the connector's worker concurrency), as deals/s at the five records a deal writes (account, contact,
 *   opportunity, contact role, solution);
 * - the baseline: the same `cosell sync` with `queue.batchSize: 1` (one deal per batch: the old one-deal-at-a-time
 *   path's shape), on fewer deals.
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/loadConfig.ts';
import { type BenchContext, type BenchRow, scaled } from './benchmark.ts';
import { benchReferral } from './benchSandbox.ts';
import { type EmulatedDeployment, startEmulatedDeployment, trackPeakRss } from './emulatedDeployment.ts';
import { ratePerSecond } from './latencySummary.ts';
import { runConcurrently } from './runConcurrently.ts';

const REFERRALS = 10_000;
const BASELINE_REFERRALS = 500;
const LATENCIES_MS = [0, 50];
const SEED_CONCURRENCY = 16;
const RECORDS_PER_DEAL = 5;
const CEILING_RECORDS = 4_000;
const SYNC_TIMEOUT_SECONDS = 3_600;
const API_VERSION = 'v62.0';

interface SyncRun {
  count: number;
  elapsedMs: number;
  salesforceCalls: number;
  partnerCenterCalls: number;
  peakRssBytes: number;
  batchSize: number;
  concurrency: number;
}

const used = async (deployment: EmulatedDeployment) => ({
  salesforce: Number((await deployment.sf('POST', '/__emulator/limits', {}))['used'] ?? 0),
  partnerCenter: Number((await deployment.pc('GET', '/__emulator/usage'))['total'] ?? 0),
});

async function withLatency(deployment: EmulatedDeployment, latencyMs: number): Promise<void> {
  await deployment.sf('DELETE', '/__emulator/faults');
  if (latencyMs > 0)
    await deployment.sf('POST', '/__emulator/faults', { match: { path: '/services/data' }, latencyMs });
}

/** N referrals through `cosell sync` on a fresh deployment. */
async function syncRun(
  context: BenchContext,
  count: number,
  latencyMs: number,
  extraEnv: Record<string, string> = {},
): Promise<SyncRun> {
  const deployment = await startEmulatedDeployment();
  try {
    const tag = `backfill-${latencyMs}ms-${extraEnv['COSELL_QUEUE_BATCH_SIZE'] ?? 'batched'}`;
    context.say(`backfill: Microsoft assigns ${count} referrals (${tag})…`);
    await runConcurrently(count, SEED_CONCURRENCY, (index) =>
      deployment.pc('POST', '/__emulator/referrals', benchReferral(tag, index)),
    );
    await withLatency(deployment, latencyMs);
    const before = await used(deployment);
    context.say(`backfill: cosell sync of ${count} deals at ${latencyMs} ms per Salesforce call…`);
    const startedAt = performance.now();
    const sync = deployment.spawnCosell(
      ['sync', '--timeout', String(SYNC_TIMEOUT_SECONDS), '--log-level', 'error', '--json'],
      extraEnv,
    );
    const rss = trackPeakRss(sync.child.pid);
    const { code } = await sync.exited;
    const elapsedMs = performance.now() - startedAt;
    rss.stop();
    await deployment.sf('DELETE', '/__emulator/faults');
    if (code !== 0)
      throw new Error(
        `cosell sync exited ${code}:\n${sync.stdoutLines.slice(-20).join('\n')}\n${sync.stderrLines.slice(-20).join('\n')}`,
      );
    const after = await used(deployment);
    const opportunities = await deployment.sf(
      'GET',
      `/services/data/${API_VERSION}/query?q=${encodeURIComponent(`SELECT COUNT() FROM Opportunity WHERE Name LIKE 'Bench ${tag} %'`)}`,
    );
    if (opportunities['totalSize'] !== count)
      throw new Error(
        `cosell sync exited 0 but ${String(opportunities['totalSize'])} of ${count} opportunities exist.`,
      );
    // The queue settings `cosell sync` ran with: its config file and environment, read as it reads them.
    const { queue } = loadConfig({
      file: deployment.configFile,
      env: { ...deployment.env, ...extraEnv },
    }).config;
    return {
      count,
      elapsedMs,
      // Less the benchmark's own counting query.
      salesforceCalls: after.salesforce - before.salesforce - 1,
      partnerCenterCalls: after.partnerCenter - before.partnerCenter,
      peakRssBytes: rss.peakBytes(),
      batchSize: queue.batchSize,
      concurrency: queue.concurrency,
    };
  } finally {
    await deployment.stop();
  }
}

/** The emulator's raw sObject Collections create rate: records per second, 200 a call, `lanes` calls at once. */
async function collectionsCeiling(latencyMs: number, records: number, lanes: number): Promise<number> {
  const deployment = await startEmulatedDeployment();
  try {
    await withLatency(deployment, latencyMs);
    const calls = Math.ceil(records / 200);
    const startedAt = performance.now();
    await runConcurrently(calls, lanes, async (call) => {
      const answer = (await deployment.sf('POST', `/services/data/${API_VERSION}/composite/sobjects`, {
        allOrNone: false,
        records: Array.from({ length: 200 }, (_, index) => ({
          attributes: { type: 'Account' },
          Name: `Ceiling ${call}-${index}`,
          BillingPostalCode: '98101',
          BillingCountry: 'US',
        })),
      })) as unknown as { success: boolean }[];
      if (!Array.isArray(answer) || answer.some((result) => !result.success))
        throw new Error(`The collections call was refused: ${JSON.stringify(answer).slice(0, 300)}`);
    });
    return ratePerSecond(calls * 200, performance.now() - startedAt);
  } finally {
    await deployment.stop();
  }
}

const megabytes = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

export const backfillThroughput = {
  name: 'backfill',
  description:
    'cosell sync of a backlog of new inbound referrals (separate emulator process), with the emulator ceiling and the batch-of-one baseline',
  async run(context: BenchContext): Promise<BenchRow[]> {
    const count = scaled(context, REFERRALS, 50);
    const baselineCount = Math.min(count, scaled(context, BASELINE_REFERRALS, 20));
    const rows: BenchRow[] = [];
    for (const latencyMs of LATENCIES_MS) {
      const run = await syncRun(context, count, latencyMs);
      const dealsPerSecond = ratePerSecond(run.count, run.elapsedMs);
      context.say(`backfill: the emulator's raw collections write rate at ${latencyMs} ms…`);
      const ceilingRecords = await collectionsCeiling(
        latencyMs,
        scaled(context, CEILING_RECORDS, 400),
        run.concurrency,
      );
      const ceilingDeals = ceilingRecords / RECORDS_PER_DEAL;
      context.say(`backfill: baseline, one deal per batch, ${baselineCount} deals at ${latencyMs} ms…`);
      const baseline = await syncRun(context, baselineCount, latencyMs, { COSELL_QUEUE_BATCH_SIZE: '1' });
      const baselineRate = ratePerSecond(baseline.count, baseline.elapsedMs);
      const salesforcePerDeal = run.salesforceCalls / run.count;
      rows.push({
        benchmark: 'backfill',
        measure: `cosell sync: new inbound referrals → opportunities, ${latencyMs} ms per Salesforce call`,
        count: run.count,
        perSecond: dealsPerSecond,
        ...(latencyMs === 50
          ? {
              target: {
                text: '≥ 500 deals/s, ≤ 0.1 Salesforce calls/deal, ≥ 0.5 × ceiling, peak RSS ≤ 300 MB',
                met:
                  dealsPerSecond >= 500 &&
                  salesforcePerDeal <= 0.1 &&
                  dealsPerSecond >= 0.5 * ceilingDeals &&
                  run.peakRssBytes <= 300 * 1024 * 1024,
              },
            }
          : {}),
        note: [
          `${salesforcePerDeal.toFixed(3)} Salesforce calls/deal (${run.salesforceCalls})`,
          `${(run.partnerCenterCalls / run.count).toFixed(3)} Partner Center calls/deal (${run.partnerCenterCalls})`,
          `peak RSS of cosell sync ${megabytes(run.peakRssBytes)}`,
          `wall ${(run.elapsedMs / 1000).toFixed(1)} s (start-up, listing, enqueueing and syncing)`,
          `emulator ceiling ${Math.round(ceilingRecords)} records/s = ${Math.round(ceilingDeals)} deals/s (ratio ${(dealsPerSecond / ceilingDeals).toFixed(2)})`,
          `batch-of-one baseline ${baselineRate.toFixed(1)} deals/s on ${baseline.count} deals, ${(baseline.salesforceCalls / baseline.count).toFixed(2)} Salesforce calls/deal (batched is ${(dealsPerSecond / baselineRate).toFixed(1)}×)`,
          `batches of ${run.batchSize}, ${run.concurrency} at once, embedded queue + SQLite`,
        ].join('; '),
      });
    }
    return rows;
  },
};
