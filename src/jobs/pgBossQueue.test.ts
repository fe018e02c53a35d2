import pg from 'pg';
import PgBoss from 'pg-boss';
import { describe, expect, it } from 'vitest';
import { describeJobQueueContract, type QueueTestEnvironment } from '../../test/support/jobQueueContract.ts';
import { postgresBackend, postgresSkipReason, testDatabaseUrl } from '../../test/support/testStores.ts';
import { waitFor } from '../../test/support/waitFor.ts';
import { PgBossJobStorage } from './pgBossJobStorage.ts';
import { PgBossQueue } from './pgBossQueue.ts';

// Throws when CI is set without DATABASE_URL: in CI these tests must never be skipped.
const skipReason = postgresSkipReason();
const url = testDatabaseUrl();

let sequence = 0;
function uniqueSchema(prefix: string): string {
  sequence += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${sequence}`;
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

async function makeEnvironment(databaseUrl: string): Promise<QueueTestEnvironment> {
  const stores = postgresBackend(databaseUrl);
  const storeLocation = stores.newLocation();
  const store = await stores.open({ location: storeLocation });
  const schema = uniqueSchema('test_queue');
  const storeSchema = storeLocation.kind === 'postgres' ? storeLocation.schema : '';
  return {
    deadLetters: store.deadLetters,
    childSpec: { kind: 'pgBoss', url: databaseUrl, schema, storeSchema },
    open: (settings = {}) =>
      PgBossQueue.start({
        url: databaseUrl,
        schema,
        deadLetters: store.deadLetters,
        maxConnections: 6,
        ...settings,
      }),
    close: async () => {
      await stores.cleanup();
      await dropSchema(databaseUrl, schema);
    },
  };
}

// Skipped, with the reason in its name, when DATABASE_URL is unset (in CI postgresSkipReason throws instead).
const databaseUrl = url ?? '';
describe.skipIf(url === undefined)(`pg-boss queue${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  describeJobQueueContract('pg-boss (Postgres)', () => makeEnvironment(databaseUrl));

  describe('PgBossQueue specifics', () => {
    it('refuses more concurrency than its connection pool can hold, with a way out', async () => {
      const env = await makeEnvironment(databaseUrl);
      const queue = await env.open({});
      try {
        await expect(queue.work('too-wide', async () => {}, { concurrency: 6 })).rejects.toThrow(
          /raise maxConnections or lower the concurrency/,
        );
        await queue.work('fits', async () => {}, { concurrency: 3 });
      } finally {
        await queue.stop();
        await env.close();
      }
    });

    it('lets pg-boss expire an abandoned job only back to retry, never to failed, so it runs again', async () => {
      const env = await makeEnvironment(databaseUrl);
      const schema = env.childSpec.kind === 'pgBoss' ? env.childSpec.schema : '';
      const queue = await env.open({ pollIntervalMs: 10 });
      const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
      const maintenance = new PgBoss({
        connectionString: databaseUrl,
        schema,
        supervise: false,
        schedule: false,
        max: 1,
      });
      try {
        const { id } = await queue.enqueue({ name: 'expiring', key: 'k-expire', payload: { n: 1 } });
        // A worker claims it with a short lease and dies (its connection, and so its key lock, goes away).
        const dyingWorker = new PgBossJobStorage(pool, schema, () => {});
        const [claimed] = await dyingWorker.claimMany('expiring', 50, 1);
        expect(claimed).toMatchObject({ id, attempt: 1 });
        await dyingWorker.abandon(claimed!);
        await waitFor('the lease to lapse', async () => (await queue.stats()).running === 0);
        await maintenance.start();
        await maintenance.maintain();
        const { rows } = await pool.query(`SELECT state FROM ${schema}.job WHERE id = $1`, [id]);
        expect(rows).toEqual([{ state: 'retry' }]);

        const runs: Array<{ id: string; attempt: number }> = [];
        await queue.work('expiring', async (job) => void runs.push({ id: job.id, attempt: job.attempt }), {
          concurrency: 1,
        });
        await waitFor('the job to run again', () => runs.length === 1);
        expect(runs).toEqual([{ id, attempt: 2 }]);
      } finally {
        await maintenance.stop({ graceful: false });
        await pool.end();
        await queue.stop();
        await env.close();
      }
    });

    it("never claims a key whose run still holds its key lock, even after that run's lease has lapsed", async () => {
      const env = await makeEnvironment(databaseUrl);
      const schema = env.childSpec.kind === 'pgBoss' ? env.childSpec.schema : '';
      const queue = await env.open({ retry: { leaseMs: 60_000 }, pollIntervalMs: 10 });
      const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
      try {
        let release = () => {};
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        const events: string[] = [];
        await queue.enqueue({ name: 'lock-guard', key: 'same', payload: 1, coalesce: false });
        await queue.enqueue({ name: 'lock-guard', key: 'same', payload: 2, coalesce: false });
        await queue.work(
          'lock-guard',
          async (job) => {
            events.push(`start ${job.payload}`);
            if (job.payload === 1) await held;
            events.push(`end ${job.payload}`);
          },
          { concurrency: 1 },
        );
        await waitFor('the first run', () => events.length === 1);
        // As if the worker had stalled past its lease (or pg-boss had expired it): the row says "abandoned".
        await pool.query(
          `UPDATE ${schema}.job SET started_on = now() - interval '1 hour' WHERE name = 'lock-guard' AND state = 'active'`,
        );
        expect(await queue.stats()).toMatchObject({ pending: 2, running: 0 });
        const otherWorker = new PgBossJobStorage(pool, schema, () => {});
        expect(await otherWorker.claimMany('lock-guard', 1_000, 1)).toEqual([]);
        expect(events).toEqual(['start 1']);
        release();
        await waitFor('both runs', () => events.length === 4);
        expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
      } finally {
        await pool.end();
        await queue.stop();
        await env.close();
      }
    });
  });
});
