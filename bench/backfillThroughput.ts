/**
 * Sync throughput: a backfill of inbound referrals. With the webhook unregistered, Microsoft creates N
 * referrals (nothing syncs yet); then the clock starts, every referral is listed through the Partner Center
 * API client and enqueued as a `deal.sync` job with trigger `backfill`, and the running worker (configured
 * concurrency, embedded queue, SQLite store) works through them. The clock stops when all N opportunities
 * exist in Salesforce. Reported as deals per second.
 */
import { performance } from 'node:perf_hooks';
import { enqueueDealSync } from '../src/sync/dealJobs.ts';
import { waitFor } from '../test/support/sandboxHarness.ts';
import { scaled } from './benchmark.ts';
import { createReferrals, sandboxBenchmark } from './benchSandbox.ts';
import { ratePerSecond } from './latencySummary.ts';

const REFERRALS = 500;
const COUNT_INTERVAL_MS = 100;
const TIMEOUT_MS = 180_000;

export const backfillThroughput = sandboxBenchmark(
  'backfill',
  'deals per second when a backlog of inbound referrals is synced to Salesforce',
  async (sandbox, context) => {
    const count = scaled(context, REFERRALS, 10);
    const { connector } = sandbox;
    await connector.webhooks.remove();
    context.say(`backfill: creating ${count} referrals with no webhook registered…`);
    await createReferrals(sandbox, 'backfill', count);
    const syncedOpportunities = async () =>
      (
        await sandbox.seller.query(
          'SELECT COUNT() FROM Opportunity WHERE Partner_Center_Referral_Id__c != null',
        )
      ).totalSize;
    const before = await syncedOpportunities();
    if (before !== 0)
      throw new Error(
        `${before} opportunities were synced before the backfill started; the figure would be wrong.`,
      );

    context.say(`backfill: syncing ${count} deals…`);
    const startedAt = performance.now();
    let listed = 0;
    for await (const referral of connector.referrals.list({ orderBy: 'createdDateTime asc' })) {
      await enqueueDealSync(connector.deps, connector.queue, {
        referralId: referral.id,
        trigger: 'backfill',
      });
      listed += 1;
    }
    const enqueuedMs = performance.now() - startedAt;
    if (listed !== count)
      throw new Error(`The Partner Center API listed ${listed} referrals, expected ${count}.`);
    await waitFor(`${count} opportunities`, async () => (await syncedOpportunities()) >= count, {
      timeoutMs: TIMEOUT_MS,
      intervalMs: COUNT_INTERVAL_MS,
    });
    const elapsedMs = performance.now() - startedAt;
    return [
      {
        benchmark: 'backfill',
        measure: 'inbound referrals → opportunities',
        count,
        perSecond: ratePerSecond(count, elapsedMs),
        note: `worker concurrency ${connector.config.queue.concurrency} (default), embedded queue + SQLite store; total ${(elapsedMs / 1000).toFixed(1)} s, of which listing and enqueueing ${Math.round(enqueuedMs)} ms; each deal creates account, contact, role and solution; count checked every ${COUNT_INTERVAL_MS} ms`,
      },
    ];
  },
);
