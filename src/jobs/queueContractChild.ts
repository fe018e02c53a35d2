/**
 * Child process for the contract suite's "worker killed mid-run" test: opens a queue on the storage
 * the parent names, claims the job, reports it on stdout, and then hangs until it is SIGKILLed.
 * Run as `node --import tsx src/jobs/queueContractChild.ts` with COSELL_QUEUE_CONTRACT_CHILD set.
 */
import { openStore } from '../store/openStore.ts';
import { EmbeddedQueue } from './embeddedQueue.ts';
import type { JobQueue } from './jobQueue.ts';
import { CONTRACT_CHILD_ENV, type ContractChildSpec, KILL_JOB_NAME } from './jobQueueContract.ts';

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
    queue = new EmbeddedQueue({ path: spec.path, deadLetters: store.deadLetters, ...settings });
  } else {
    const store = await openStore({ kind: 'postgres', url: spec.url, schema: spec.storeSchema });
    const { PgBossQueue } = await import('./pgBossQueue.ts');
    queue = await PgBossQueue.start({
      url: spec.url,
      schema: spec.schema,
      deadLetters: store.deadLetters,
      ...settings,
    });
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
