/**
 * Scale-out: the same backfill as `backfill`, on Postgres + pg-boss, worked by 1, 2 and then 4 `cosell worker`
 * child processes, with every Salesforce call delayed 50 ms (a real org's latency). Microsoft creates N referrals
 * with the webhook unregistered; the workers are started (start-up not timed); then the clock starts, the
 * referrals are listed and enqueued as `deal.sync` backfill jobs from this process (which runs no worker), and it
 * stops when all N opportunities exist and no deal job is left waiting or running (each new deal's follow-up, which
 * sends its id to Partner Center, is part of the deal). The reconcile cursor is moved ahead first, so the workers' first reconcile
 * does not enqueue the same referrals itself. Needs DATABASE_URL.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openConnector } from '../src/app.ts';
import type { CosellConfig } from '../src/config/configSchema.ts';
import { silentLogger } from '../src/shared/logger.ts';
import { JOB } from '../src/sync/dealJobs.ts';
import { RECONCILE_CURSOR_SOURCE } from '../src/sync/syncWorker.ts';
import { TEST_SECRET_KEY } from '../test/support/childProcess.ts';
import { ConnectorCluster } from '../test/support/connectorCluster.ts';
import { startTestSandbox, waitFor, waitForQuiet } from '../test/support/sandboxHarness.ts';
import { connectorSchemas, dropSchemas } from '../test/support/testStores.ts';
import { withConnectionSettings } from '../test/support/withConnectionSettings.ts';
import { type Benchmark, type BenchRow, scaled } from './benchmark.ts';
import { createReferrals, enqueueBackfill } from './benchSandbox.ts';
import { ratePerSecond } from './latencySummary.ts';
import { cpuSecondsByPid, cpuSecondsOfPid, cpuSecondsSince } from './processCpu.ts';

const REFERRALS = 600;
const WORKER_COUNTS = [1, 2, 4];
const SALESFORCE_LATENCY_MS = 50;
const TIMEOUT_MS = 600_000;
/** Per worker: 3 + 7 + 7 (enqueues, pg-boss, customer locks) connections at most. */
const WORKER_STORE_CONNECTIONS = 3;
const WORKER_QUEUE_CONNECTIONS = 7;
const WORKER_CONCURRENCY = 2;

const sumOf = (values: readonly (number | null)[]) =>
  values.reduce<number>((sum, value) => sum + (value ?? 0), 0);

/**
 * CPU per deal of each part, the share of the machine's cores the run kept busy, and deals per CPU-second of the
 * workers (the per-core figure: what each core given to workers alone would sync).
 */
function cpuNote(
  cpu: { workers: number; emulators: number; postgres: number },
  deals: number,
  elapsedMs: number,
): string {
  const perDeal = (seconds: number) => `${((seconds / deals) * 1000).toFixed(2)} ms`;
  const busy = (cpu.workers + cpu.emulators + cpu.postgres) / (elapsedMs / 1000) / availableParallelism();
  return (
    `CPU per deal: workers ${perDeal(cpu.workers)}, emulators + producer ${perDeal(cpu.emulators)}, Postgres ${perDeal(cpu.postgres)}; ` +
    `${Math.round(busy * 100)} % of ${availableParallelism()} cores busy; ` +
    `${cpu.workers > 0 ? Math.round(deals / cpu.workers) : '?'} deals per worker CPU-second`
  );
}

/** Deal-sync jobs waiting or running in the pg-boss schema `queueSchema`. */
async function unfinishedDealJobs(database: pg.Pool, queueSchema: string): Promise<number> {
  const { rows } = await database.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${queueSchema}.job WHERE name = $1 AND state < 'completed'`,
    [JOB.dealSync],
  );
  return rows[0]?.n ?? 0;
}

export const scaleOutBackfill: Benchmark = {
  name: 'scaleout',
  description: `backfill deals/s with ${WORKER_COUNTS.join(', ')} worker processes on Postgres + pg-boss, ${SALESFORCE_LATENCY_MS} ms per Salesforce call`,
  async run(context) {
    const url = context.databaseUrl;
    if (!url) {
      context.say('scaleout: DATABASE_URL is not set, skipped');
      return [];
    }
    const count = scaled(context, REFERRALS, 20);
    const schema = `bench_scale_${randomBytes(4).toString('hex')}`;
    const sandbox = await startTestSandbox({
      pollIntervalSeconds: 2,
      configOverrides: { store: { kind: 'postgres', url, schema } },
    });
    const rows: BenchRow[] = [];
    const closers: (() => Promise<void>)[] = [];
    try {
      await sandbox.connector.webhooks.remove();
      // Its first poll and reconcile passes finish here: a pass cut short by close() would run again on the
      // first run's workers, beside the run.
      await waitForQuiet(sandbox, { quietMs: 500 });
      await sandbox.connector.close();
      // Four workers and this process must fit in Postgres's default 100 connections beside other clients.
      const store = sandbox.config.store.kind === 'postgres' ? sandbox.config.store : null;
      if (!store) throw new Error('scaleout runs on the Postgres store');
      const config: CosellConfig = {
        // Each run creates new referrals in the same tenant: a reconcile pass would list every referral of the
        // earlier runs changed in its 5-minute look-back and sync each again beside the run being measured (it
        // did: up to 1,900 extra deal syncs in the 4-worker run). The producer moves the reconcile cursor ahead
        // before each run, so a worker's first pass lists nothing; this keeps a second pass out of the run.
        ...withConnectionSettings(sandbox.config, { sync: { reconcileIntervalSeconds: 3_600 } }),
        store: { ...store, maxConnections: WORKER_STORE_CONNECTIONS },
        queue: {
          ...sandbox.config.queue,
          concurrency: WORKER_CONCURRENCY,
          maxConnections: WORKER_QUEUE_CONNECTIONS,
        },
        log: { level: 'info' },
      };
      const configFile = join(sandbox.dir, 'scale-out.yaml');
      writeFileSync(configFile, JSON.stringify(config, null, 2));
      const queueDatabase = new pg.Pool({ connectionString: url, max: 1 });
      closers.push(() => queueDatabase.end());
      // Lists and enqueues from here; starts no worker.
      const producer = await openConnector({
        config,
        logger: silentLogger,
        env: { ...process.env, COSELL_SECRET_KEY: TEST_SECRET_KEY },
      });
      try {
        let perWorkerBaseline: number | null = null;
        for (const workers of WORKER_COUNTS) {
          const tag = `scale-${workers}w`;
          context.say(`scaleout: creating ${count} referrals (${tag}) with no webhook registered…`);
          const ids = new Set(await createReferrals(sandbox, tag, count));
          await producer.store.cursors.set(
            config.connectionId,
            RECONCILE_CURSOR_SOURCE,
            new Date(Date.now() + 86_400_000).toISOString(),
          );
          const cluster = new ConnectorCluster({
            configFile,
            port: 0,
            env: { COSELL_SECRET_KEY: TEST_SECRET_KEY },
          });
          try {
            await Promise.all(Array.from({ length: workers }, () => cluster.startWorker()));
            await sandbox.sf('DELETE', '/__emulator/faults');
            await sandbox.sf('POST', '/__emulator/faults', {
              match: { path: '/services/data' },
              latencyMs: SALESFORCE_LATENCY_MS,
            });
            context.say(`scaleout: ${workers} worker(s) syncing ${count} deals…`);
            // Where the machine's CPU goes during the run: the workers, this process (both emulators and the
            // producer) and Postgres.
            const workerPids = cluster.members.map((member) => member.pid);
            const workersBefore = sumOf(workerPids.map(cpuSecondsOfPid));
            const postgresBefore = cpuSecondsByPid('postgres');
            const hereBefore = process.cpuUsage();
            const startedAt = performance.now();
            await enqueueBackfill(producer, ids);
            // A deal is done when its job is: the follow-up (its id sent to Partner Center) comes after the
            // opportunity. Work left running would also be handed to the next run's workers when this cluster stops.
            await waitFor(
              `every ${tag} deal job to finish`,
              async () => (await unfinishedDealJobs(queueDatabase, `${schema}_queue`)) === 0,
              { timeoutMs: TIMEOUT_MS, intervalMs: 200 },
            );
            const elapsedMs = performance.now() - startedAt;
            const hereUsed = process.cpuUsage(hereBefore);
            const cpu = {
              workers: sumOf(workerPids.map(cpuSecondsOfPid)) - workersBefore,
              emulators: (hereUsed.user + hereUsed.system) / 1e6,
              postgres: cpuSecondsSince('postgres', postgresBefore),
            };
            const opportunities = (
              await sandbox.seller.query(`SELECT COUNT() FROM Opportunity WHERE Name LIKE 'Bench ${tag} %'`)
            ).totalSize;
            if (opportunities !== count)
              throw new Error(
                `Every deal job of ${tag} finished, but ${opportunities} of ${count} opportunities exist.`,
              );
            const perSecond = ratePerSecond(count, elapsedMs);
            perWorkerBaseline ??= perSecond;
            rows.push({
              benchmark: 'scaleout',
              measure: `backfill, ${workers} worker process${workers === 1 ? '' : 'es'}, ${SALESFORCE_LATENCY_MS} ms per Salesforce call`,
              count,
              perSecond,
              ...(workers === 4
                ? {
                    target: {
                      text: '4 workers ≥ 3 × one worker',
                      met: perSecond >= 3 * perWorkerBaseline,
                    },
                  }
                : {}),
              note: `${(perSecond / perWorkerBaseline).toFixed(2)} × one worker; batches of ${config.queue.batchSize}, ${config.queue.concurrency} per worker; Postgres + pg-boss; ${(elapsedMs / 1000).toFixed(1)} s; ${cpuNote(cpu, count, elapsedMs)}`,
            });
          } finally {
            await sandbox.sf('DELETE', '/__emulator/faults');
            await cluster.stopAll('SIGTERM');
            await cluster.close();
          }
        }
      } finally {
        await producer.close();
      }
    } finally {
      for (const close of closers) await close().catch(() => undefined);
      await sandbox.emulators.close();
      rmSync(sandbox.dir, { recursive: true, force: true });
      await dropSchemas(url, connectorSchemas(schema));
    }
    return rows;
  },
};
