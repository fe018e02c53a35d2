/**
 * Sync throughput: a backfill of inbound referrals, as `cosell sync` runs it. With the webhook unregistered,
 * Microsoft creates N referrals (nothing syncs yet); then the clock starts, the referrals are listed through the
 * Partner Center API client and enqueued as `deal.sync` jobs with trigger `backfill` (each carrying its listed
 * referral), and the running worker claims them in batches. The clock stops when all N opportunities exist.
 * Run twice: with no added latency, and with every Salesforce call delayed 50 ms (a real org's latency).
 * Reported as deals per second and Salesforce API calls per deal (the emulator's API usage counter, less this
 * benchmark's own counting queries; the connector's 2 s poll is included).
 */
import { performance } from 'node:perf_hooks';
import { waitFor } from '../test/support/sandboxHarness.ts';
import { scaled } from './benchmark.ts';
import { createReferrals, enqueueBackfill, sandboxBenchmark } from './benchSandbox.ts';
import { ratePerSecond } from './latencySummary.ts';

const REFERRALS = 1000;
const COUNT_INTERVAL_MS = 200;
const TIMEOUT_MS = 300_000;
const LATENCIES_MS = [0, 50];

export const backfillThroughput = sandboxBenchmark(
  'backfill',
  'deals per second and Salesforce calls per deal when a backlog of inbound referrals is synced',
  async (sandbox, context) => {
    const count = scaled(context, REFERRALS, 10);
    const { connector } = sandbox;
    await connector.webhooks.remove();
    const apiCalls = async () => Number((await sandbox.sf('POST', '/__emulator/limits', {}))['used'] ?? 0);
    const rows = [];
    for (const latencyMs of LATENCIES_MS) {
      const tag = `backfill-${latencyMs}ms`;
      context.say(`backfill: creating ${count} referrals (${tag}) with no webhook registered…`);
      const ids = new Set(await createReferrals(sandbox, tag, count));
      await sandbox.sf('DELETE', '/__emulator/faults');
      if (latencyMs)
        await sandbox.sf('POST', '/__emulator/faults', { match: { path: '/services/data' }, latencyMs });
      let probes = 0;
      const synced = async () => {
        probes += 1;
        return (
          await sandbox.seller.query(`SELECT COUNT() FROM Opportunity WHERE Name LIKE 'Bench ${tag} %'`)
        ).totalSize;
      };
      if ((await synced()) !== 0)
        throw new Error(`Opportunities for ${tag} existed before the backfill started.`);
      const callsBefore = await apiCalls();
      probes = 0;
      context.say(`backfill: syncing ${count} deals at ${latencyMs} ms per Salesforce call…`);
      const startedAt = performance.now();
      await enqueueBackfill(connector, ids);
      const enqueuedMs = performance.now() - startedAt;
      await waitFor(`${count} opportunities`, async () => (await synced()) >= count, {
        timeoutMs: TIMEOUT_MS,
        intervalMs: COUNT_INTERVAL_MS,
      });
      const elapsedMs = performance.now() - startedAt;
      await sandbox.sf('DELETE', '/__emulator/faults');
      const calls = (await apiCalls()) - callsBefore - probes - 1;
      rows.push({
        benchmark: 'backfill',
        measure: `inbound referrals → opportunities, ${latencyMs} ms per Salesforce call`,
        count,
        perSecond: ratePerSecond(count, elapsedMs),
        note: `${(calls / count).toFixed(3)} Salesforce calls per deal (${calls} in all); batches of ${connector.config.queue.batchSize}, ${connector.config.queue.concurrency} at once, embedded queue + SQLite; total ${(elapsedMs / 1000).toFixed(1)} s, of which listing and enqueueing ${Math.round(enqueuedMs)} ms; each deal creates account, contact, role and solution`,
      });
    }
    return rows;
  },
);
