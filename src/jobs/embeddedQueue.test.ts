import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { describeJobQueueContract } from '../../test/support/jobQueueContract.ts';
import { waitFor } from '../../test/support/waitFor.ts';
import { openStore } from '../store/openStore.ts';
import type { DeadLetterRepository } from '../store/store.ts';
import { EmbeddedQueue } from './embeddedQueue.ts';
import { EMBEDDED_QUEUE_MIGRATIONS } from './embeddedQueueMigrations.ts';
import { retryBatchSize } from './jobRunner.ts';

async function makeEnvironment() {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-queue-'));
  const path = join(dir, 'cosell.db');
  const store = await openStore({ kind: 'sqlite', path });
  return {
    path,
    store,
    deadLetters: store.deadLetters,
    childSpec: { kind: 'embedded' as const, path },
    open: async (settings = {}) => new EmbeddedQueue({ path, deadLetters: store.deadLetters, ...settings }),
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeJobQueueContract('embedded (SQLite)', makeEnvironment);

/** A queue on the environment's file that retries at once (1–5 ms) up to maxAttempts. */
const fastRetryingQueue = (env: { path: string; deadLetters: DeadLetterRepository }, maxAttempts: number) =>
  new EmbeddedQueue({
    path: env.path,
    deadLetters: env.deadLetters,
    pollIntervalMs: 10,
    retry: { maxAttempts, baseDelayMs: 1, maxDelayMs: 5 },
  });

describe('EmbeddedQueue on the store file', () => {
  it('keeps its own migrations table beside the store tables, and reopening applies nothing twice', async () => {
    const env = await makeEnvironment();
    try {
      const first = new EmbeddedQueue({ path: env.path, deadLetters: env.deadLetters });
      await first.enqueue({ name: 'n', key: 'k', payload: { kept: true } });
      await first.stop();
      const second = new EmbeddedQueue({ path: env.path, deadLetters: env.deadLetters });
      expect(await second.stats()).toMatchObject({ pending: 1, running: 0 });
      const seen: unknown[] = [];
      await second.work('n', async (job) => void seen.push(job.payload), { concurrency: 1 });
      await waitFor('the job', () => seen.length === 1);
      expect(seen).toEqual([{ kept: true }]);
      await second.stop();

      const db = new Database(env.path, { readonly: true });
      const versions = db.prepare('SELECT version FROM queue_migrations ORDER BY version').all();
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{
        name: string;
      }>;
      db.close();
      expect(versions).toEqual(
        EMBEDDED_QUEUE_MIGRATIONS.map((migration) => ({ version: migration.version })),
      );
      const names = tables.map((table) => table.name);
      expect(names).toEqual(expect.arrayContaining(['queue_job', 'queue_migrations', 'dead_letter']));
      // The store still opens: its own migrations are unaffected by the queue's.
      const reopened = await openStore({ kind: 'sqlite', path: env.path });
      await reopened.close();
    } finally {
      await env.close();
    }
  });

  it('runs jobs that ran before in smaller batches: halved per earlier attempt, down to one', async () => {
    const env = await makeEnvironment();
    const queue = fastRetryingQueue(env, 5);
    try {
      for (let i = 0; i < 8; i += 1) await queue.enqueue({ name: 'batched', key: `k${i}`, payload: i });
      // Each batch: the attempt of its first job (the one the limit follows) and its size.
      const batches: { first: number; size: number }[] = [];
      let done = 0;
      await queue.workBatch(
        'batched',
        async (jobs) => {
          batches.push({ first: jobs[0]?.attempt ?? 0, size: jobs.length });
          // Every job fails twice (as if its worker had died), then succeeds.
          const outcomes = jobs.map((job) => (job.attempt < 3 ? new Error('socket hang up') : null));
          done += outcomes.filter((outcome) => outcome === null).length;
          return outcomes;
        },
        { concurrency: 1, batchSize: 8, gatherMs: 0 },
      );
      await waitFor('every job done', () => done === 8);
      expect(batches[0]).toEqual({ first: 1, size: 8 });
      const retried = batches.filter((batch) => batch.first > 1);
      expect(retried.length).toBeGreaterThan(0);
      for (const batch of retried) expect(batch.size).toBeLessThanOrEqual(retryBatchSize(8, batch.first));
      expect(Math.max(...retried.map((batch) => batch.size))).toBeLessThanOrEqual(4);
      expect(await env.deadLetters.list({})).toEqual([]);
    } finally {
      await queue.stop();
      await env.close();
    }
  });

  it('gives a batch job log2(batchSize) attempts beyond maxAttempts before dead-lettering it', async () => {
    const env = await makeEnvironment();
    const queue = fastRetryingQueue(env, 2);
    try {
      await queue.enqueue({ name: 'failing', key: 'k', payload: null });
      const attempts: number[] = [];
      await queue.workBatch(
        'failing',
        async (jobs) =>
          jobs.map((job) => {
            attempts.push(job.attempt);
            return new Error('socket hang up');
          }),
        { concurrency: 1, batchSize: 4, gatherMs: 0 },
      );
      await waitFor('the dead letter', async () => (await env.deadLetters.list({})).length === 1);
      expect(attempts).toEqual([1, 2, 3, 4]);
      expect((await env.deadLetters.list({}))[0]).toMatchObject({ attempts: 4, errorKind: 'transient' });
    } finally {
      await queue.stop();
      await env.close();
    }
  });
  it('never dead-letters a recurring job (a poll, a reconcile): abandoned or failing, it runs again', async () => {
    const env = await makeEnvironment();
    const queue = fastRetryingQueue(env, 2);
    try {
      // Both jobs look abandoned far more often than maxAttempts allows (their workers kept dying).
      await queue.enqueue({ name: 'recurring', key: 'poll', payload: null });
      await queue.enqueue({ name: 'one-off', key: 'deal', payload: null });
      const db = new Database(env.path);
      db.prepare('UPDATE queue_job SET attempts = 10').run();
      db.close();
      const attempts: number[] = [];
      await queue.work(
        'recurring',
        async (job) => {
          attempts.push(job.attempt);
          // It also fails more often than maxAttempts allows, then works.
          if (attempts.length < 4) throw new Error('socket hang up');
        },
        { concurrency: 1, recurring: true },
      );
      await queue.work('one-off', async () => {}, { concurrency: 1 });
      await waitFor('the recurring job to succeed', () => attempts.length === 4);
      await waitFor('the queue to be empty', async () => (await queue.stats()).pending === 0);
      expect(attempts).toEqual([11, 12, 13, 14]);
      const deadLetters = await env.deadLetters.list({});
      expect(deadLetters.map((letter) => letter.jobName)).toEqual(['one-off']);
      expect(deadLetters[0]?.errorMessage).toMatch(/abandoned 10 times/);
    } finally {
      await queue.stop();
      await env.close();
    }
  });
});
