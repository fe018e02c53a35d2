/**
 * Queue throughput: N no-op jobs spread over K keys (per-key serialization holds, so at most one job of a
 * key runs at a time), handled by one worker with concurrency C. First the enqueue rate (one producer,
 * one job per call, no coalescing so every call adds a job), then the processing rate: from registering
 * the handler until the queue reports nothing pending or running. Embedded queue (SQLite file) always;
 * pg-boss when DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { JobQueue } from '../src/jobs/jobQueue.ts';
import { openJobQueue } from '../src/jobs/openJobQueue.ts';
import { waitFor } from '../test/support/sandboxHarness.ts';
import { postgresBackend, type StoreBackend, sqliteBackend } from '../test/support/testStores.ts';
import { type BenchContext, type Benchmark, type BenchRow, scaled } from './benchmark.ts';
import { ratePerSecond } from './latencySummary.ts';

/** The backlog: every job is enqueued before the worker starts. */
const JOBS = 10_000;
const KEYS = 100;
const CONCURRENCY = 8;
const JOB_NAME = 'bench.noop';
const TIMEOUT_MS = 300_000;

interface QueueUnderTest {
  label: string;
  queue: JobQueue;
  cleanup(): Promise<void>;
}

async function embeddedQueue(stores: StoreBackend): Promise<QueueUnderTest> {
  const location = stores.newLocation();
  if (location.kind !== 'sqlite') throw new Error('the embedded queue needs a SQLite location');
  const store = await stores.open({ location });
  const queue = await openJobQueue({ kind: 'embedded', path: location.path, deadLetters: store.deadLetters });
  return { label: 'embedded (SQLite)', queue, cleanup: () => stores.cleanup() };
}

async function pgBossQueue(stores: StoreBackend, url: string): Promise<QueueUnderTest> {
  const store = await stores.open();
  const schema = `bench_queue_${randomBytes(6).toString('hex')}`;
  const queue = await openJobQueue({ kind: 'pg-boss', url, schema, deadLetters: store.deadLetters });
  return {
    label: 'pg-boss (Postgres)',
    queue,
    async cleanup() {
      await stores.cleanup();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

async function measure(subject: QueueUnderTest, context: BenchContext): Promise<BenchRow[]> {
  const { queue, label } = subject;
  const count = scaled(context, JOBS, KEYS);
  context.say(`queue: ${label}, enqueueing ${count} jobs…`);
  const enqueueStartedAt = performance.now();
  for (let index = 0; index < count; index += 1) {
    await queue.enqueue({
      name: JOB_NAME,
      key: `bench:key:${index % KEYS}`,
      payload: { index },
      coalesce: false,
    });
  }
  const enqueueMs = performance.now() - enqueueStartedAt;

  context.say(`queue: ${label}, working ${count} jobs…`);
  let handled = 0;
  const workStartedAt = performance.now();
  await queue.work(
    JOB_NAME,
    async () => {
      handled += 1;
    },
    { concurrency: CONCURRENCY },
  );
  await waitFor(
    `${count} jobs handled and the queue empty`,
    async () => {
      if (handled < count) return false;
      const stats = await queue.stats();
      return stats.pending === 0 && stats.running === 0;
    },
    { timeoutMs: TIMEOUT_MS, intervalMs: 10 },
  );
  const workMs = performance.now() - workStartedAt;
  if (handled !== count)
    throw new Error(`${handled} handler runs for ${count} jobs: a job ran twice or was lost.`);
  const deadLetters = (await queue.stats()).deadLetters;
  if (deadLetters !== 0) throw new Error(`${deadLetters} no-op jobs were dead-lettered.`);
  return [
    {
      benchmark: 'queue',
      measure: `${label} enqueue`,
      count,
      perSecond: ratePerSecond(count, enqueueMs),
      note: 'one producer awaiting each enqueue, coalescing off',
    },
    {
      benchmark: 'queue',
      measure: `${label} no-op jobs`,
      count,
      perSecond: ratePerSecond(count, workMs),
      note: `${KEYS} keys (one job per key at a time), concurrency ${CONCURRENCY}; clock stops when the queue reports nothing pending or running`,
    },
  ];
}

export const queueThroughput: Benchmark = {
  name: 'queue',
  description: `no-op jobs over ${KEYS} keys at concurrency ${CONCURRENCY}: enqueue and processing rates`,
  async run(context) {
    const subjects: (() => Promise<QueueUnderTest>)[] = [() => embeddedQueue(sqliteBackend())];
    const url = context.databaseUrl;
    if (url) subjects.push(() => pgBossQueue(postgresBackend(url), url));
    else context.say('queue: DATABASE_URL is not set, pg-boss skipped');
    const rows: BenchRow[] = [];
    for (const open of subjects) {
      const subject = await open();
      try {
        rows.push(...(await measure(subject, context)));
      } finally {
        await subject.queue.stop({ timeoutMs: 5_000 });
        await subject.cleanup();
      }
    }
    return rows;
  },
};
