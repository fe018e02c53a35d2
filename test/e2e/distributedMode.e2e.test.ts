/**
 * Distributed mode end to end: one `cosell serve --no-worker` (webhooks, API) and three `cosell worker` child
 * processes on one Postgres (own schemas), against both emulators. 300 deals of mixed activity on both sides
 * (referrals from Microsoft, opportunities shared by the seller, then edits on either side); one worker is
 * SIGKILLed in the middle of a batch and another is stopped with SIGTERM in the middle of one and replaced.
 * Then every deal converges with no duplicate record or customer, the deal trace shows no deal processed by two
 * workers at once (and none by the HTTP-only process), the Salesforce poll never ran twice at once, and every
 * process stops cleanly on SIGTERM.
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnectorStore } from '../../src/app.ts';
import { JOB } from '../../src/sync/dealJobs.ts';
import { RECONCILE_CURSOR_SOURCE } from '../../src/sync/syncWorker.ts';
import { type ChaosProblem, checkChaosRun, INVARIANTS, type Invariant } from '../chaos/chaosChecks.ts';
import { ChaosWorkload, seededRandom } from '../chaos/chaosWorkload.ts';
import { SellerRest } from '../chaos/sellerRest.ts';
import { type ClusterMember, ConnectorCluster } from '../support/connectorCluster.ts';
import { readDealTrace } from '../support/dealTraceOverlaps.ts';
import { handOverToChildProcesses } from '../support/handOverToChildProcesses.ts';
import { liveDealJobs } from '../support/liveDealJobs.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandboxHarness.ts';
import { connectorSchemas, dropSchemas, postgresSkipReason, testDatabaseUrl } from '../support/testStores.ts';
import { waitFor } from '../support/waitFor.ts';

const url = testDatabaseUrl();
const skipReason = postgresSkipReason();

const DEALS = Number(process.env['DISTRIBUTED_E2E_DEALS'] ?? 300);

/**
 * Sync invariants known to break under concurrent edits, in one process as in several (the same list as
 * test/chaos/chaosConvergence.test.ts): measured and printed, not enforced. Empty: the sync invariants checked here
 * and everything distributed mode itself promises (no duplicates, no deal run twice at once, scheduled jobs once
 * at a time, a clean drain) are enforced. Add an entry only with an open issue; delete it when the fix lands.
 */
const OPEN: Partial<Record<Invariant, string>> = {};
const WORKERS = 3;
const ACTORS = 8;
const POLL_INTERVAL_SECONDS = 1;
/** Idle this long (several polls) before the checks. */
const QUIET_MS = 4_000;
const RUN_TIMEOUT_MS = 600_000;

interface RunResult {
  problems: ChaosProblem[];
  deals: number;
  edits: number;
  converged: number;
  dealJobs: number;
  jobsCutOff: number;
  /** Two jobs of one key that ran at once: what the queue's per-key serialization forbids. */
  servePid: number;
  tracePids: number[];
  killedPid: number;
  drained: { pid: number; code: number | null; ms: number };
  stopCodes: { role: string; code: number | null }[];
  pollRuns: { startedMs: number; completedMs: number }[];
  processStarts: number;
  seconds: number;
}

/** A worker that is in the middle of a deal job: a trace start line of its pid with no end line yet. */
function busyWorker(traceFile: string, workers: readonly ClusterMember[]): ClusterMember | undefined {
  const open = new Map<string, number>();
  for (const line of readDealTrace(traceFile)) {
    if (line.event === 'start') open.set(line.job, line.pid);
    else open.delete(line.job);
  }
  const busy = new Set(open.values());
  return workers.find((worker) => busy.has(worker.pid));
}

/** Every run of the Salesforce poll the queue recorded (live table and pg-boss's archive), oldest first. */
async function pollRuns(
  databaseUrl: string,
  queueSchema: string,
): Promise<{ startedMs: number; completedMs: number }[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ started_on: Date; completed_on: Date }>(
      `SELECT started_on, completed_on FROM ${queueSchema}.job WHERE name = $1 AND completed_on IS NOT NULL
       UNION ALL
       SELECT started_on, completed_on FROM ${queueSchema}.archive WHERE name = $1 AND completed_on IS NOT NULL
       ORDER BY started_on`,
      [JOB.salesforcePoll],
    );
    return rows.map((row) => ({
      startedMs: row.started_on.getTime(),
      completedMs: row.completed_on.getTime(),
    }));
  } finally {
    await client.end();
  }
}

/** The cluster of the run, so that a run cut short by its timeout still has its processes stopped. */
let liveCluster: ConnectorCluster | undefined;

async function runCluster(sandbox: TestSandbox, databaseUrl: string, schema: string): Promise<RunResult> {
  const began = Date.now();
  const { config, port, configFile, traceFile, env } = await handOverToChildProcesses(sandbox, 'cluster', {
    // A killed worker's jobs run again after the lease: keep it short so the run stays short.
    // Small batches spread a burst over the workers (one claim takes up to batchSize due deals).
    queue: { leaseSeconds: 5, batchSize: 25 },
    sync: { pollIntervalSeconds: POLL_INTERVAL_SECONDS, reconcileIntervalSeconds: 20 },
    log: { level: 'info' },
  });
  const cluster = new ConnectorCluster({ configFile, port, env });
  liveCluster = cluster;
  try {
    const serve = await cluster.startServe();
    await Promise.all(Array.from({ length: WORKERS }, () => cluster.startWorker()));

    const urls = { partnerCenter: sandbox.urls.partnerCenter, salesforce: sandbox.urls.salesforce };
    const seller = new SellerRest(urls.salesforce);
    const workload = new ChaosWorkload(urls, seller, seededRandom(12), Math.ceil(DEALS / 4));
    await workload.createExistingCustomers();
    const problems: ChaosProblem[] = [];

    // People act on both sides: every deal is created (60 % by Microsoft, 40 % by the seller), then edited once
    // on a random side. Once a third of the deal jobs have run, a worker in the middle of one is SIGKILLed; at two
    // thirds another busy worker is stopped with SIGTERM (it must drain and exit 0) and a new one takes its place.
    type Action = { deal: number; kind: 'create' | 'edit' };
    const actions: Action[] = [
      ...Array.from({ length: DEALS }, (_, deal): Action => ({ deal, kind: 'create' })),
      ...Array.from({ length: DEALS }, (_, deal): Action => ({ deal, kind: 'edit' })),
    ];
    const actor = async () => {
      for (let action = actions.shift(); action; action = actions.shift()) {
        try {
          if (action.kind === 'create') await workload.createDeal(action.deal);
          else {
            const target = workload.deals.find((item) => item.index === action.deal);
            if (target) await workload.editDeal(target);
          }
        } catch (error) {
          problems.push({ invariant: 'run', message: `deal ${action.deal}: ${(error as Error).message}` });
        }
      }
    };
    const jobsEnded = () => readDealTrace(traceFile).filter((line) => line.event === 'end').length;
    const disruptions = async () => {
      await waitFor('a third of the deals synced', () => jobsEnded() >= DEALS / 3, { timeoutMs: 180_000 });
      const killed = await waitFor(
        'a worker in the middle of a deal job',
        () => busyWorker(traceFile, cluster.running('worker')),
        { timeoutMs: 60_000 },
      );
      await killed.process.stop('SIGKILL');
      await waitFor('two thirds of the deals synced', () => jobsEnded() >= (DEALS * 2) / 3, {
        timeoutMs: 180_000,
      });
      const stopping = await waitFor(
        'another worker in the middle of a deal job',
        () => busyWorker(traceFile, cluster.running('worker')),
        { timeoutMs: 60_000 },
      );
      const stopAt = Date.now();
      const { code } = await stopping.process.stop('SIGTERM');
      const drained = { pid: stopping.pid, code, ms: Date.now() - stopAt };
      await cluster.startWorker();
      return { killedPid: killed.pid, drained };
    };
    const [disrupted] = await Promise.all([disruptions(), ...Array.from({ length: ACTORS }, () => actor())]);
    const actedAt = Date.now();

    // Quiet: no deal job waiting or running for QUIET_MS (several poll intervals), after a reconcile pass that
    // started after the last action.
    const store = await openConnectorStore(config);
    try {
      let idleSince: number | null = null;
      await waitFor(
        `no deal job for ${QUIET_MS} ms after a reconcile pass`,
        async () => {
          const cursor = await store.cursors.get(config.connectionId, RECONCILE_CURSOR_SOURCE);
          const reconciled = cursor !== null && Date.parse(cursor) > actedAt;
          if (!reconciled || (await liveDealJobs(config)) > 0) {
            idleSince = null;
            return false;
          }
          idleSince ??= Date.now();
          return Date.now() - idleSince >= QUIET_MS;
        },
        { timeoutMs: 180_000, intervalMs: 250 },
      );
      const stopCodes = (await cluster.stopAll('SIGTERM')).map(({ member, code }) => ({
        role: member.role,
        code,
      }));

      const opportunityFields = 'Id, Name, Amount, CloseDate, Description, Partner_Center_Referral_Id__c';
      const [referrals, opportunities, accounts, contacts, links, audit, deadLetters] = await Promise.all([
        sandbox.pc('GET', '/__emulator/referrals') as unknown as Promise<Record<string, unknown>[]>,
        seller.query(`SELECT ${opportunityFields} FROM Opportunity`),
        seller.query('SELECT Id, Name, BillingPostalCode FROM Account'),
        seller.query('SELECT Id, Email FROM Contact'),
        store.links.list({ connectionId: config.connectionId, limit: 1_000_000 }),
        store.audit.list({ connectionId: config.connectionId, limit: 1_000_000 }),
        store.deadLetters.list({ connectionId: config.connectionId, limit: 1_000_000 }),
      ]);
      const trace = readDealTrace(traceFile);
      const verdict = checkChaosRun(workload, {
        referrals,
        opportunities,
        accounts,
        contacts,
        links,
        audit,
        deadLetters,
        trace,
        processEndedAt: cluster.endedAt,
      });
      return {
        problems: [...problems, ...verdict.problems],
        deals: verdict.figures.deals,
        edits: verdict.figures.edits,
        converged: verdict.figures.converged,
        dealJobs: verdict.figures.dealJobs,
        jobsCutOff: verdict.figures.jobsCutOff,
        servePid: serve.pid,
        tracePids: [...new Set(trace.map((line) => line.pid))],
        ...disrupted,
        stopCodes,
        pollRuns: await pollRuns(databaseUrl, `${schema}_queue`),
        processStarts: cluster.members.length,
        seconds: (Date.now() - began) / 1000,
      };
    } finally {
      await store.close();
    }
  } finally {
    await cluster.close();
  }
}

describe.skipIf(!url)(
  `distributed mode: serve --no-worker and ${WORKERS} workers on Postgres${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const schema = `dist_${process.pid}_${Date.now().toString(36)}`;
    let sandbox: TestSandbox | undefined;
    let result: RunResult;
    const broken = (...invariants: Invariant[]) =>
      result.problems
        .filter((problem) => invariants.includes(problem.invariant) && !OPEN[problem.invariant])
        .map((problem) => problem.message);

    beforeAll(async () => {
      sandbox = await startTestSandbox({ configOverrides: { store: { kind: 'postgres', url, schema } } });
      result = await runCluster(sandbox, url as string, schema);
      console.log(
        `distributed: ${result.deals} deals, ${result.edits} edits, ${result.converged} converged; ${result.dealJobs} deal jobs (${result.jobsCutOff} cut off by the kill); SIGTERM drain ${result.drained.ms} ms; ${result.pollRuns.length} polls; ${result.seconds.toFixed(1)} s`,
      );
    }, RUN_TIMEOUT_MS);
    afterAll(async () => {
      for (const [invariant, why] of Object.entries(OPEN)) {
        const open = result?.problems.filter((problem) => problem.invariant === invariant) ?? [];
        if (open.length)
          console.warn(
            `distributed: OPEN (${why}): ${open.length} × ${INVARIANTS[invariant as Invariant]}:\n- ${open.map((problem) => problem.message).join('\n- ')}`,
          );
      }
      await liveCluster?.close();
      await sandbox?.emulators.close();
      if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
      if (url) await dropSchemas(url, connectorSchemas(schema));
    }, 60_000);

    it('every deal of the mixed workload exists on both sides and converges', () => {
      expect(broken('run', 'lostDeal', 'converged')).toEqual([]);
      expect(result.converged).toBe(DEALS);
      expect(result.edits).toBe(DEALS);
    });

    it('makes no duplicate opportunity, referral, account or contact', () => {
      expect(broken('duplicateRecords', 'duplicateCustomers')).toEqual([]);
    });

    it('never runs two jobs of one deal at once across workers, and the HTTP-only process runs no deal job', () => {
      expect(broken('overlap')).toEqual([]);
      expect(result.jobsCutOff).toBeGreaterThan(0);
      expect(result.tracePids).not.toContain(result.servePid);
      expect(result.tracePids.length).toBeGreaterThanOrEqual(WORKERS);
    });

    it('loses no update and audits every write', () => {
      expect(broken('lostUpdate', 'audit', 'deadLetter')).toEqual([]);
    });

    it('runs the Salesforce poll one at a time across the cluster, about once per interval', () => {
      const runs = result.pollRuns;
      expect(runs.length).toBeGreaterThan(0);
      for (const [i, run] of runs.entries()) {
        const previous = runs[i - 1];
        if (previous) expect(run.startedMs).toBeGreaterThanOrEqual(previous.completedMs);
      }
      // Each process start schedules one poll at once; the rest come one interval after the last.
      const early = runs.filter((run, i) => {
        const previous = runs[i - 1];
        return (
          previous !== undefined && run.startedMs - previous.completedMs < POLL_INTERVAL_SECONDS * 1000 - 250
        );
      });
      expect(early.length).toBeLessThanOrEqual(result.processStarts);
    });

    it('a worker stopped with SIGTERM mid-batch drains and exits 0; every process stops cleanly', () => {
      expect(result.drained.code).toBe(0);
      expect(result.stopCodes.map((stop) => stop.code)).toEqual(result.stopCodes.map(() => 0));
      // One worker was killed; the one stopped mid-batch was replaced.
      expect(result.stopCodes.filter((stop) => stop.role === 'worker')).toHaveLength(WORKERS - 1);
    });
  },
);
