/**
 * The behaviour every JobQueue adapter must show, run against each adapter on real storage
 * (embeddedQueue.test.ts on a temp SQLite file, pgBossQueue.test.ts on Postgres).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnqueueResult, Job, JobQueue } from '../../src/jobs/jobQueue.ts';
import type { QueueSettings } from '../../src/jobs/queueSettings.ts';
import { UpstreamError } from '../../src/shared/upstreamError.ts';
import type { DeadLetterRepository } from '../../src/store/store.ts';
import {
  CONTRACT_CHILD_ENV,
  CONTRACT_CHILD_MODE_ENV,
  type ContractChildMode,
  type ContractChildSpec,
  CROSS_PROCESS_JOB_NAME,
  crossProcessWork,
  KILL_JOB_NAME,
} from './contractChildSpec.ts';
import { waitFor } from './waitFor.ts';

/** One isolated storage (a temp SQLite file, a fresh Postgres schema) shared by several queues. */
export interface QueueTestEnvironment {
  open(settings?: Omit<QueueSettings, 'deadLetters'>): Promise<JobQueue>;
  deadLetters: DeadLetterRepository;
  /** Tells queueContractChild.ts how to open a queue on the same storage. */
  childSpec: ContractChildSpec;
  close(): Promise<void>;
}

const CHILD_SCRIPT = fileURLToPath(new URL('./queueContractChild.ts', import.meta.url));

function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const yieldTurns = async (turns: number) => {
  for (let i = 0; i < turns; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

/** A queue process started from queueContractChild.ts, with its stdout and stderr collected. */
function startContractChild(spec: ContractChildSpec, mode: ContractChildMode) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT], {
    env: { ...process.env, [CONTRACT_CHILD_ENV]: JSON.stringify(spec), [CONTRACT_CHILD_MODE_ENV]: mode },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  return {
    output: () => output,
    lines: () => output.split('\n').filter((line) => line.length > 0),
    waitForOutput: (text: string) =>
      waitFor(`the child to print "${text}"`, () => output.includes(text), { timeoutMs: 30_000 }).catch(
        (error: Error) => {
          throw new Error(`${error.message}; child output so far: ${output}`);
        },
      ),
    kill: () => {
      child.kill('SIGKILL');
      return exited;
    },
  };
}

/** Keys in a scrambled but repeatable order, so jobs of one key sit close together in the queue. */
function scrambledKeys(count: number, keyCount: number): string[] {
  let seed = 12_345;
  const keys: string[] = [];
  for (let index = 0; index < count; index += 1) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    keys.push(`key-${index < keyCount ? index : seed % keyCount}`);
  }
  return keys;
}

/** Throws when two runs of one key overlap in time. */
function assertNoOverlapPerKey(runs: ReadonlyArray<{ key: string; start: bigint; end: bigint }>): void {
  const byKey = new Map<string, Array<{ start: bigint; end: bigint }>>();
  for (const run of runs) byKey.set(run.key, [...(byKey.get(run.key) ?? []), run]);
  for (const [key, intervals] of byKey) {
    intervals.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    for (let i = 1; i < intervals.length; i += 1) {
      if (intervals[i]!.start < intervals[i - 1]!.end) throw new Error(`two runs of ${key} overlapped`);
    }
  }
}

const fastRetry = { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 };

export function describeJobQueueContract(
  name: string,
  makeEnvironment: () => Promise<QueueTestEnvironment>,
): void {
  describe(`JobQueue contract: ${name}`, () => {
    let env: QueueTestEnvironment;
    const queues: JobQueue[] = [];
    const open = async (settings: Omit<QueueSettings, 'deadLetters'> = {}) => {
      const queue = await env.open(settings);
      queues.push(queue);
      return queue;
    };

    beforeEach(async () => {
      env = await makeEnvironment();
    });

    afterEach(async () => {
      for (const queue of queues.splice(0)) await queue.stop({ timeoutMs: 2_000 });
      await env.close();
    });

    it('runs 2,000 jobs over 50 keys exactly once each, never two runs of one key at a time, keys in parallel', async () => {
      const jobCount = 2_000;
      const keyCount = 50;
      let runningNow = 0;
      let maxParallel = 0;
      const runsByJob = new Map<number, number>();
      const runs: Array<{ key: string; start: bigint; end: bigint }> = [];
      const handler = async (job: Job<{ index: number }>) => {
        const start = process.hrtime.bigint();
        runningNow += 1;
        maxParallel = Math.max(maxParallel, runningNow);
        await yieldTurns(1 + (job.payload.index % 3));
        runningNow -= 1;
        runsByJob.set(job.payload.index, (runsByJob.get(job.payload.index) ?? 0) + 1);
        runs.push({ key: job.key, start, end: process.hrtime.bigint() });
      };
      // Two queues on separate connections: four workers each, like two processes.
      const first = await open({ pollIntervalMs: 20 });
      const second = await open({ pollIntervalMs: 20 });
      const keys = scrambledKeys(jobCount, keyCount);
      for (const [index, key] of keys.entries()) {
        const queue = index % 2 === 0 ? first : second;
        const result = await queue.enqueue({
          name: 'contract-load',
          key,
          payload: { index },
          coalesce: false,
        });
        expect(result.coalesced).toBe(false);
      }
      await first.work('contract-load', handler, { concurrency: 4 });
      await second.work('contract-load', handler, { concurrency: 4 });
      await waitFor('all jobs to complete', () => runsByJob.size === jobCount, { timeoutMs: 50_000 });
      await waitFor('the queue to be empty', async () => {
        const stats = await first.stats();
        return stats.pending === 0 && stats.running === 0;
      });

      expect([...runsByJob.values()].every((count) => count === 1)).toBe(true);
      expect(runs).toHaveLength(jobCount);
      expect(new Set(runs.map((run) => run.key)).size).toBe(keyCount);
      assertNoOverlapPerKey(runs);
      expect(maxParallel).toBeGreaterThan(1);
    });

    it('keeps one run per key at a time across processes sharing the storage', async () => {
      const jobCount = 300;
      const keys = scrambledKeys(jobCount, 15);
      const queue = await open({ pollIntervalMs: 10 });
      for (const [index, key] of keys.entries()) {
        await queue.enqueue({ name: CROSS_PROCESS_JOB_NAME, key, payload: { index }, coalesce: false });
      }
      const child = startContractChild(env.childSpec, 'load');
      const runs: Array<{ index: number; key: string; start: bigint; end: bigint; by: string }> = [];
      const childRuns = () =>
        child
          .lines()
          .filter((line) => line.startsWith('run '))
          .map((line) => {
            const [, index, key, start, end] = line.split(' ');
            return { index: Number(index), key: key!, start: BigInt(start!), end: BigInt(end!), by: 'child' };
          });
      try {
        await child.waitForOutput('ready');
        await queue.work(
          CROSS_PROCESS_JOB_NAME,
          async (job: Job<{ index: number }>) => {
            const start = process.hrtime.bigint();
            await crossProcessWork();
            runs.push({
              index: job.payload.index,
              key: job.key,
              start,
              end: process.hrtime.bigint(),
              by: 'parent',
            });
          },
          { concurrency: 4 },
        );
        await waitFor('every job to run', () => runs.length + childRuns().length >= jobCount, {
          timeoutMs: 40_000,
        });
      } finally {
        await child.kill();
      }
      const all = [...runs, ...childRuns()];
      expect(all.map((run) => run.index).sort((a, b) => a - b)).toEqual(keys.map((_key, index) => index));
      expect(runs.length).toBeGreaterThan(0);
      expect(all.length - runs.length).toBeGreaterThan(0);
      assertNoOverlapPerKey(all);
    });

    it('runs a job again after its lease when the worker process is killed mid-run', async () => {
      const queue = await open({ retry: { leaseMs: 1_000 }, pollIntervalMs: 20 });
      const enqueued = await queue.enqueue({
        name: KILL_JOB_NAME,
        key: 'kill-key',
        payload: { note: 'survives' },
      });
      const child = startContractChild(env.childSpec, 'kill');
      try {
        await child.waitForOutput('claimed');
      } finally {
        expect(await child.kill()).toBe('SIGKILL');
      }
      expect(child.output()).toContain(`claimed ${enqueued.id} attempt 1`);

      const runs: Array<{ id: string; attempt: number; payload: unknown }> = [];
      await queue.work(
        KILL_JOB_NAME,
        async (job) => {
          runs.push({ id: job.id, attempt: job.attempt, payload: job.payload });
        },
        { concurrency: 1 },
      );
      await waitFor('the abandoned job to run again', () => runs.length === 1);
      await waitFor('the queue to be empty', async () => (await queue.stats()).pending === 0);
      expect(runs).toEqual([{ id: enqueued.id, attempt: 2, payload: { note: 'survives' } }]);
      expect(await env.deadLetters.list({})).toEqual([]);
    });

    it('dead-letters a permanent failure at once and tells the hook', async () => {
      const deadHook: Array<{ jobId: string; kind: string; message: string }> = [];
      const queue = await open({
        retry: fastRetry,
        hooks: {
          onDeadLetter: (job, kind, error) =>
            void deadHook.push({ jobId: job.id, kind, message: error.message }),
        },
      });
      let attempts = 0;
      const { id } = await queue.enqueue({
        name: 'contract-permanent',
        key: 'deal:c1:r1',
        connectionId: 'c1',
        payload: { referralId: 'r1' },
      });
      await queue.work(
        'contract-permanent',
        async () => {
          attempts += 1;
          throw new UpstreamError({
            kind: 'permanent',
            upstream: 'salesforce',
            message: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
          });
        },
        { concurrency: 2 },
      );
      await waitFor('a dead letter', async () => (await env.deadLetters.list({})).length === 1);
      const [deadLetter] = await env.deadLetters.list({});
      expect(deadLetter).toMatchObject({
        connectionId: 'c1',
        jobName: 'contract-permanent',
        jobKey: 'deal:c1:r1',
        payload: { referralId: 'r1' },
        attempts: 1,
        errorKind: 'permanent',
        errorMessage: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      });
      await waitFor('the hook', () => deadHook.length === 1);
      expect(deadHook).toEqual([
        { jobId: id, kind: 'permanent', message: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' },
      ]);
      expect(attempts).toBe(1);
      expect(await queue.stats()).toEqual({ pending: 0, running: 0, deadLetters: 1 });
    });

    it('retries a transient failure with backoff and dead-letters it after maxAttempts', async () => {
      const queue = await open({ retry: fastRetry, pollIntervalMs: 10 });
      const attempts: number[] = [];
      await queue.enqueue({ name: 'contract-transient', key: 'k-transient', payload: null });
      await queue.work(
        'contract-transient',
        async (job) => {
          attempts.push(job.attempt);
          throw new Error('socket hang up');
        },
        { concurrency: 1 },
      );
      await waitFor('a dead letter', async () => (await env.deadLetters.list({})).length === 1);
      const [deadLetter] = await env.deadLetters.list({});
      expect(deadLetter).toMatchObject({
        attempts: 3,
        errorKind: 'transient',
        errorMessage: 'socket hang up',
      });
      expect(attempts).toEqual([1, 2, 3]);
      expect((await queue.stats()).pending).toBe(0);
    });

    it('waits Retry-After before running a rate-limited job again', async () => {
      const queue = await open({ retry: fastRetry, pollIntervalMs: 10 });
      const runs: Array<{ attempt: number; atMs: number }> = [];
      let failedAtMs = 0;
      await queue.enqueue({ name: 'contract-rate-limited', key: 'k-rate', payload: null });
      await queue.work(
        'contract-rate-limited',
        async (job) => {
          runs.push({ attempt: job.attempt, atMs: Date.now() });
          if (job.attempt === 1) {
            failedAtMs = Date.now();
            throw new UpstreamError({
              kind: 'rate_limited',
              upstream: 'partnerCenter',
              message: 'Too many requests',
              status: 429,
              retryAfterSeconds: 1,
            });
          }
        },
        { concurrency: 1 },
      );
      await waitFor('the second run', () => runs.length === 2);
      expect(runs.map((run) => run.attempt)).toEqual([1, 2]);
      // The retry is due retryAfterSeconds after the failure; allow for timestamp rounding only.
      expect(runs[1]!.atMs - failedAtMs).toBeGreaterThanOrEqual(995);
      await waitFor('the queue to be empty', async () => (await queue.stats()).pending === 0);
      expect(await env.deadLetters.list({})).toEqual([]);
    });

    it('calls onAuthFailure and keeps the job waiting instead of dead-lettering it', async () => {
      const authFailures: Array<{ connectionId: string | null; message: string }> = [];
      const queue = await open({
        retry: { ...fastRetry, maxDelayMs: 60_000 },
        hooks: {
          onAuthFailure: (connectionId, error) =>
            void authFailures.push({ connectionId, message: error.message }),
        },
      });
      let runs = 0;
      await queue.enqueue({ name: 'contract-auth', key: 'deal:c9:x', connectionId: 'c9', payload: null });
      await queue.work(
        'contract-auth',
        async () => {
          runs += 1;
          throw new UpstreamError({
            kind: 'auth',
            upstream: 'identity',
            message: 'invalid_grant',
            status: 400,
          });
        },
        { concurrency: 1 },
      );
      await waitFor('the auth hook', () => authFailures.length === 1);
      expect(authFailures).toEqual([{ connectionId: 'c9', message: 'invalid_grant' }]);
      await waitFor('the job to be rescheduled', async () => {
        const stats = await queue.stats();
        return stats.pending === 1 && stats.running === 0;
      });
      expect(runs).toBe(1);
      expect(await env.deadLetters.list({})).toEqual([]);
    });

    it("claims each connection's jobs in its own registration; one that may not claim (paused) leaves its jobs waiting while the other connection's run", async () => {
      const queue = await open({ pollIntervalMs: 10 });
      for (const connectionId of ['a', 'b'])
        for (const n of [1, 2, 3])
          await queue.enqueue({
            name: 'contract-scope',
            key: `deal:${connectionId}:${n}`,
            connectionId,
            payload: null,
          });
      const ran: Record<string, string[]> = { a: [], b: [] };
      let aPaused = true;
      let aAsked = 0;
      const handlerOf = (registered: 'a' | 'b') => async (jobs: Job[]) => {
        for (const job of jobs) ran[registered]?.push(`${job.connectionId}:${job.key}`);
        return jobs.map(() => null);
      };
      await queue.workBatch('contract-scope', handlerOf('a'), {
        concurrency: 1,
        batchSize: 10,
        gatherMs: 0,
        connectionId: 'a',
        mayClaim: () => {
          aAsked += 1;
          return !aPaused;
        },
      });
      await queue.workBatch('contract-scope', handlerOf('b'), {
        concurrency: 1,
        batchSize: 10,
        gatherMs: 0,
        connectionId: 'b',
      });
      await waitFor("connection b's jobs to run", () => ran['b']?.length === 3);
      // Connection a's loop kept asking after b was done, and claimed nothing.
      const askedWhenBWasDone = aAsked;
      await waitFor('connection a to be asked again', () => aAsked > askedWhenBWasDone + 2);
      expect(ran['a']).toEqual([]);
      expect((await queue.stats()).pending).toBe(3);
      expect(ran['b']?.sort()).toEqual(['b:deal:b:1', 'b:deal:b:2', 'b:deal:b:3']);

      aPaused = false;
      await waitFor("connection a's jobs to run once it may claim", () => ran['a']?.length === 3);
      expect(ran['a']?.sort()).toEqual(['a:deal:a:1', 'a:deal:a:2', 'a:deal:a:3']);
      expect(ran['b']).toHaveLength(3);

      await expect(
        queue.workBatch('contract-scope', handlerOf('a'), {
          concurrency: 1,
          batchSize: 1,
          gatherMs: 0,
          connectionId: 'a',
        }),
      ).rejects.toThrow(/of connection a is already registered/);
      await expect(queue.work('contract-scope', async () => {}, { concurrency: 1 })).rejects.toThrow(
        /already registered/,
      );
    });

    it('redrives a dead-lettered job, which then runs again from attempt 1 and can succeed', async () => {
      const queue = await open({ retry: fastRetry });
      let healthy = false;
      const runs: Array<{ attempt: number; ok: boolean }> = [];
      await queue.enqueue({
        name: 'contract-redrive',
        key: 'k-redrive',
        connectionId: 'c2',
        payload: { n: 7 },
      });
      await queue.work(
        'contract-redrive',
        async (job) => {
          runs.push({ attempt: job.attempt, ok: healthy });
          if (!healthy)
            throw new UpstreamError({ kind: 'permanent', upstream: 'partnerCenter', message: 'bad request' });
        },
        { concurrency: 1 },
      );
      await waitFor('a dead letter', async () => (await env.deadLetters.list({})).length === 1);
      const [deadLetter] = await env.deadLetters.list({});
      healthy = true;
      const redriven = await queue.redrive(deadLetter!.id);
      expect(redriven.coalesced).toBe(false);
      await waitFor('the redriven run', () => runs.length === 2);
      expect(runs).toEqual([
        { attempt: 1, ok: false },
        { attempt: 1, ok: true },
      ]);
      expect(await env.deadLetters.list({})).toEqual([]);
      await waitFor('the queue to be empty', async () => (await queue.stats()).pending === 0);
      await expect(queue.redrive(deadLetter!.id)).rejects.toThrow(/does not exist/);
    });

    it('coalesces enqueues while a job is pending, but not while it runs', async () => {
      const queue = await open({ pollIntervalMs: 10 });
      const firstRun = gate();
      const started = gate();
      const runs: Array<{ id: string; payload: unknown }> = [];
      const results: EnqueueResult[] = [];
      for (let i = 0; i < 5; i += 1) {
        results.push(await queue.enqueue({ name: 'contract-coalesce', key: 'deal:c1:1', payload: { i } }));
      }
      expect(results.map((result) => result.coalesced)).toEqual([false, true, true, true, true]);
      expect(new Set(results.map((result) => result.id)).size).toBe(1);
      // A different key or a different name is never coalesced.
      expect(
        (await queue.enqueue({ name: 'contract-coalesce', key: 'deal:c1:2', payload: {} })).coalesced,
      ).toBe(false);
      expect((await queue.enqueue({ name: 'contract-other', key: 'deal:c1:1', payload: {} })).coalesced).toBe(
        false,
      );
      expect((await queue.stats()).pending).toBe(3);

      await queue.work(
        'contract-coalesce',
        async (job) => {
          runs.push({ id: job.id, payload: job.payload });
          if (job.id === results[0]!.id) {
            started.open();
            await firstRun.promise;
          }
        },
        { concurrency: 2 },
      );
      await started.promise;
      const whileRunning = await queue.enqueue({
        name: 'contract-coalesce',
        key: 'deal:c1:1',
        payload: { i: 'late' },
      });
      expect(whileRunning.coalesced).toBe(false);
      const again = await queue.enqueue({
        name: 'contract-coalesce',
        key: 'deal:c1:1',
        payload: { i: 'later' },
      });
      expect(again).toEqual({ id: whileRunning.id, coalesced: true });
      firstRun.open();
      await waitFor('the queue to drain', async () => {
        const stats = await queue.stats();
        return stats.pending === 1 && stats.running === 0 && runs.length === 3;
      });
      const key1Runs = runs.filter((run) => run.id === results[0]!.id || run.id === whileRunning.id);
      expect(key1Runs).toEqual([
        { id: results[0]!.id, payload: { i: 0 } },
        { id: whileRunning.id, payload: { i: 'late' } },
      ]);
    });

    it('enqueues many jobs in one call: results in order, coalescing as one enqueue each would, each job run once', async () => {
      const queue = await open({ pollIntervalMs: 10 });
      const results = await queue.enqueueMany([
        { name: 'contract-many', key: 'deal:m:1', payload: { i: 1 } },
        { name: 'contract-many', key: 'deal:m:2', payload: { i: 2 } },
        // Pending under the same key and name as the first: folded into it.
        { name: 'contract-many', key: 'deal:m:1', payload: { i: 3 } },
        { name: 'contract-many', key: 'deal:m:1', payload: { i: 4 }, coalesce: false },
      ]);
      expect(results.map((result) => result.coalesced)).toEqual([false, false, true, false]);
      expect(results[2]!.id).toBe(results[0]!.id);
      expect(new Set([results[0]!.id, results[1]!.id, results[3]!.id]).size).toBe(3);
      expect(await queue.enqueueMany([])).toEqual([]);
      const runs: unknown[] = [];
      await queue.work(
        'contract-many',
        async (job) => {
          runs.push(job.payload);
        },
        { concurrency: 4 },
      );
      await waitFor('the queue to drain', async () => {
        const stats = await queue.stats();
        return stats.pending === 0 && stats.running === 0 && runs.length === 3;
      });
      expect(runs).toEqual(expect.arrayContaining([{ i: 1 }, { i: 2 }, { i: 4 }]));
      // The key's jobs ran in the order they were enqueued.
      expect(runs.filter((payload) => (payload as { i: number }).i !== 2)).toEqual([{ i: 1 }, { i: 4 }]);
    });

    it("leaves a pending job's time alone when told to keep it, and brings it forward otherwise", async () => {
      const queue = await open({ pollIntervalMs: 10 });
      const later = new Date(Date.now() + 3_600_000);
      const scheduled = await queue.enqueue({
        name: 'contract-keep',
        key: 'pass',
        payload: 'scheduled',
        runAt: later,
      });
      // A worker starting up: the pass exists already, so it stays an hour away.
      const kept = await queue.enqueue({
        name: 'contract-keep',
        key: 'pass',
        payload: 'start',
        keepPendingRunAt: true,
      });
      expect(kept).toEqual({ id: scheduled.id, coalesced: true });
      await queue.enqueue({ name: 'contract-keep', key: 'marker', payload: 'marker' });
      const runs: unknown[] = [];
      await queue.work(
        'contract-keep',
        async (job) => {
          runs.push(job.payload);
        },
        { concurrency: 1 },
      );
      // The pass was enqueued first: had it been due, it would have been claimed no later than the marker.
      await waitFor('the marker to run', () => runs.includes('marker'));
      expect(runs).toEqual(['marker']);
      const pulled = await queue.enqueue({ name: 'contract-keep', key: 'pass', payload: 'now' });
      expect(pulled).toEqual({ id: scheduled.id, coalesced: true });
      await waitFor('the pass, now due, to run', () => runs.length === 2);
      expect(runs).toEqual(['marker', 'scheduled']);
    });

    it('keeps renewing the lease of a long run, so no other worker starts it meanwhile', async () => {
      // Renewed every leaseMs / 3, which leaves room for late timers on a busy machine.
      const leaseMs = 450;
      const holder = await open({ retry: { leaseMs }, pollIntervalMs: 10 });
      const watcher = await open({ retry: { leaseMs }, pollIntervalMs: 10 });
      const release = gate();
      const runs: Array<{ id: string; attempt: number }> = [];
      const handler = async (job: Job) => {
        runs.push({ id: job.id, attempt: job.attempt });
        await release.promise;
      };
      const { id } = await holder.enqueue({ name: 'contract-long', key: 'k-long', payload: null });
      await holder.work('contract-long', handler, { concurrency: 1 });
      await waitFor('the run to start', () => runs.length === 1);
      await watcher.work('contract-long', handler, { concurrency: 1 });
      // The run outlives several leases while another worker polls for the same job.
      const startedAtMs = Date.now();
      await waitFor('three lease lengths to pass with the job still running once', async () => {
        const stats = await watcher.stats();
        if (stats.running !== 1 || runs.length !== 1)
          throw new Error(`lease lost: ${JSON.stringify({ stats, runs })}`);
        return Date.now() - startedAtMs > 3 * leaseMs;
      });
      release.open();
      await waitFor('the queue to be empty', async () => {
        const stats = await watcher.stats();
        return stats.pending === 0 && stats.running === 0;
      });
      expect(runs).toEqual([{ id, attempt: 1 }]);
    });

    it('stop() that times out aborts the running handler and hands its job back for another worker', async () => {
      const queue = await open({ pollIntervalMs: 10 });
      const aborted: string[] = [];
      await queue.enqueue({ name: 'contract-stuck', key: 'k-stuck', payload: null });
      await queue.work(
        'contract-stuck',
        (job) =>
          new Promise<void>((resolve) => {
            job.signal.addEventListener('abort', () => {
              aborted.push(job.id);
              resolve();
            });
          }),
        { concurrency: 1 },
      );
      await waitFor('the run to start', async () => (await queue.stats()).running === 1);
      await queue.stop({ timeoutMs: 50 });
      expect(aborted).toHaveLength(1);
      const next = await open({ pollIntervalMs: 10 });
      const reruns: string[] = [];
      await next.work('contract-stuck', async (job) => void reruns.push(job.id), { concurrency: 1 });
      await waitFor('another worker to run the job', () => reruns.length === 1);
      expect(reruns).toEqual(aborted);
    });

    it('stop() waits for running handlers and does no work afterwards', async () => {
      const queue = await open({ pollIntervalMs: 10 });
      const release = gate();
      const started = gate();
      const events: string[] = [];
      await queue.enqueue({ name: 'contract-stop', key: 'k-stop-1', payload: null });
      await queue.work(
        'contract-stop',
        async (job) => {
          events.push(`start ${job.key}`);
          if (job.key === 'k-stop-1') {
            started.open();
            await release.promise;
          }
          events.push(`end ${job.key}`);
        },
        { concurrency: 2 },
      );
      await started.promise;
      const stopped = queue.stop({ timeoutMs: 20_000 }).then(() => events.push('stopped'));
      await yieldTurns(20);
      expect(events).toEqual(['start k-stop-1']);
      release.open();
      await stopped;
      expect(events).toEqual(['start k-stop-1', 'end k-stop-1', 'stopped']);
      await expect(queue.enqueue({ name: 'contract-stop', key: 'k', payload: null })).rejects.toThrow(
        /stopped/,
      );

      // A job enqueued after stop is left for other workers: a new queue runs it, the stopped one never does.
      const other = await open({ pollIntervalMs: 10 });
      await other.enqueue({ name: 'contract-stop', key: 'k-stop-2', payload: null });
      const laterRuns: string[] = [];
      await other.work('contract-stop', async (job) => void laterRuns.push(job.key), { concurrency: 1 });
      await waitFor('the new queue to run the job', () => laterRuns.length === 1);
      expect(laterRuns).toEqual(['k-stop-2']);
      expect(events).toEqual(['start k-stop-1', 'end k-stop-1', 'stopped']);
    });
  });
}
