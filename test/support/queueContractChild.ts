/**
 * Child process for the contract suite. Opens a queue on the storage the parent names, then either
 * claims the job, reports it on stdout and hangs until it is SIGKILLed (mode `kill`), or works the
 * cross-process load and prints one `run <index> <key> <startNs> <endNs>` line per run (mode `load`).
 * Run as `node --import tsx test/support/queueContractChild.ts` with COSELL_QUEUE_CONTRACT_CHILD set.
 */

import type { Job, JobQueue } from '../../src/jobs/jobQueue.ts';
import { openJobQueue } from '../../src/jobs/openJobQueue.ts';
import { openStore } from '../../src/store/openStore.ts';
import {
  CONTRACT_CHILD_ENV,
  CONTRACT_CHILD_MODE_ENV,
  type ContractChildSpec,
  CROSS_PROCESS_JOB_NAME,
  crossProcessWork,
  KILL_JOB_NAME,
} from './contractChildSpec.ts';

const CHILD_LEASE_MS = 1_000;

async function main(): Promise<void> {
  const raw = process.env[CONTRACT_CHILD_ENV];
  if (raw === undefined)
    throw new Error(`${CONTRACT_CHILD_ENV} is not set: this script is started by the contract suite.`);
  const spec = JSON.parse(raw) as ContractChildSpec;
  const settings = { retry: { leaseMs: CHILD_LEASE_MS }, pollIntervalMs: 20 };
  let queue: JobQueue;
  if (spec.kind === 'embedded') {
    const store = await openStore({ kind: 'sqlite', path: spec.path });
    queue = await openJobQueue({
      kind: 'embedded',
      path: spec.path,
      deadLetters: store.deadLetters,
      ...settings,
    });
  } else {
    const store = await openStore({ kind: 'postgres', url: spec.url, schema: spec.storeSchema });
    const location = { url: spec.url, schema: spec.schema };
    queue = await openJobQueue({ kind: 'pg-boss', ...location, deadLetters: store.deadLetters, ...settings });
  }
  if (process.env[CONTRACT_CHILD_MODE_ENV] === 'load') {
    await queue.work(
      CROSS_PROCESS_JOB_NAME,
      async (job: Job<{ index: number }>) => {
        const start = process.hrtime.bigint();
        await crossProcessWork();
        const end = process.hrtime.bigint();
        process.stdout.write(`run ${job.payload.index} ${job.key} ${start} ${end}\n`);
      },
      { concurrency: 4 },
    );
    process.stdout.write('ready\n');
    return;
  }
  await queue.work(
    KILL_JOB_NAME,
    async (job) => {
      process.stdout.write(`claimed ${job.id} attempt ${job.attempt}\n`);
      await new Promise(() => {});
    },
    { concurrency: 1 },
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`queue contract child failed: ${String(error)}\n`);
  process.exit(1);
});
