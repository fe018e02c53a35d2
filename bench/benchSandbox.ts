/**
 * The sandbox the end-to-end benchmarks drive: the real one (both emulators over loopback HTTP, the
 * Salesforce package deployed, MSAL sign-in, webhook registered, connector HTTP server and worker on the
 * embedded SQLite store and queue) on free ports in a temp directory, with nothing seeded.
 */
import { performance } from 'node:perf_hooks';
import type { Connector } from '../src/app.ts';
import { type DealSyncRequest, enqueueDealSyncs } from '../src/sync/dealJobs.ts';
import {
  inboundReferral,
  startTestSandbox,
  type TestSandbox,
  waitFor,
} from '../test/support/sandboxHarness.ts';
import type { BenchContext, Benchmark, BenchRow } from './benchmark.ts';
import { runConcurrently } from './runConcurrently.ts';

/** What `cosell sandbox` (npm start) uses; the e2e benchmarks report it with their figures. */
export const SANDBOX_POLL_INTERVAL_SECONDS = 2;
/** How often the benchmarks look for a result: the resolution of every end-to-end figure. */
export const PROBE_INTERVAL_MS = 20;

/** A benchmark that runs `measure` on a fresh sandbox and always stops the sandbox afterwards. */
export function sandboxBenchmark(
  name: string,
  description: string,
  measure: (sandbox: TestSandbox, context: BenchContext) => Promise<BenchRow[]>,
): Benchmark {
  return {
    name,
    description,
    async run(context) {
      const sandbox = await startTestSandbox({ pollIntervalSeconds: SANDBOX_POLL_INTERVAL_SECONDS });
      try {
        return await measure(sandbox, context);
      } finally {
        await sandbox.stop();
      }
    },
  };
}

/** A Microsoft referral for a customer of its own (so each sync creates its account and contact). */
export function benchReferral(tag: string, index: number): Record<string, unknown> {
  const template = inboundReferral();
  const profile = template['customerProfile'] as Record<string, unknown>;
  const customer = `Bench ${tag} Customer ${index}`;
  return inboundReferral({
    name: `Bench ${tag} deal ${index}`,
    customerProfile: {
      ...profile,
      name: customer,
      team: [
        {
          firstName: 'Casey',
          lastName: `Buyer${index}`,
          email: `casey.${tag}.${index}@customer.example`,
          phoneNumber: '+1 206 555 0100',
          title: 'CIO',
        },
      ],
    },
  });
}

/** POST /__emulator/referrals: Microsoft creates a referral; the emulator fires `referral-created`. */
export async function createReferral(sandbox: TestSandbox, body: Record<string, unknown>): Promise<string> {
  const created = await sandbox.pc('POST', '/__emulator/referrals', body);
  const id = created['id'];
  if (typeof id !== 'string')
    throw new Error(
      `The Partner Center emulator returned no referral id: ${JSON.stringify(created).slice(0, 200)}`,
    );
  return id;
}

/** Referrals being created at once when a benchmark creates many (so about as many webhook deliveries in flight). */
export const CREATE_CONCURRENCY = 8;

/** Creates `count` referrals for distinct customers, CREATE_CONCURRENCY at a time; returns their ids in order. */
export async function createReferrals(sandbox: TestSandbox, tag: string, count: number): Promise<string[]> {
  const ids: string[] = new Array(count);
  await runConcurrently(count, CREATE_CONCURRENCY, async (index) => {
    ids[index] = await createReferral(sandbox, benchReferral(tag, index));
  });
  return ids;
}

/** Milliseconds from just before `act` starts until `probe` first returns a value (polled every PROBE_INTERVAL_MS). */
export async function timeUntil<T>(
  what: string,
  act: () => Promise<unknown>,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<number> {
  const startedAt = performance.now();
  await act();
  await waitFor(what, probe, { timeoutMs, intervalMs: PROBE_INTERVAL_MS });
  return performance.now() - startedAt;
}

/**
 * What `cosell sync` does for a backfill: lists the referrals through the Partner Center API and enqueues a
 * `deal.sync` backfill job for each of `ids` (carrying its listed referral), a listing page at a time in one queue
 * transaction. Fails unless every id was listed.
 */
export async function enqueueBackfill(
  connector: Pick<Connector, 'referrals' | 'deps' | 'queue'>,
  ids: ReadonlySet<string>,
): Promise<void> {
  let listed = 0;
  let page: DealSyncRequest[] = [];
  const flush = async () => {
    await enqueueDealSyncs(connector.deps, connector.queue, page);
    page = [];
  };
  for await (const referral of connector.referrals.list({ orderBy: 'createdDateTime asc' })) {
    if (!ids.has(referral.id)) continue;
    page.push({ referralId: referral.id, trigger: 'backfill', referral });
    listed += 1;
    if (page.length >= 100) await flush();
  }
  if (page.length) await flush();
  if (listed !== ids.size)
    throw new Error(`The Partner Center API listed ${listed} of the ${ids.size} referrals.`);
}
