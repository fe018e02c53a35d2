/**
 * One chaos run (issue 13 item 3): N deals created and edited on both sides while both emulators inject
 * faults and the connector — a real `cosell serve` child — is SIGKILLed and restarted every few seconds.
 * Then faults go off, the run drives reconcile and poll until no deal job is left, and checks the outcome
 * (chaosChecks.ts). Returns the figures and every problem found; it throws only when it cannot run at all.
 */
import { rmSync } from 'node:fs';
import { openConnectorStore } from '../../src/app.ts';
import { emulatorControl } from '../../src/sandbox/emulatorControl.ts';
import { RECONCILE_CURSOR_SOURCE } from '../../src/sync/syncWorker.ts';
import { readDealTrace } from '../support/dealTraceOverlaps.ts';
import { handOverToChildProcesses } from '../support/handOverToChildProcesses.ts';
import { liveDealJobs } from '../support/liveDealJobs.ts';
import { startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';
import { connectorSchemas, dropSchemas } from '../support/testStores.ts';
import { type ChaosProblem, type CheckFigures, checkChaosRun, type Invariant } from './chaosChecks.ts';
import { ChaosFaults, DEFAULT_FAULT_RATES, type FaultFigures } from './chaosFaults.ts';
import { chaosFinalState } from './chaosFinalState.ts';
import { ChaosWorkload, seededRandom } from './chaosWorkload.ts';
import { ConnectorProcesses } from './connectorProcesses.ts';
import { SellerRest } from './sellerRest.ts';

export interface ChaosOptions {
  deals: number;
  backend: 'sqlite' | 'postgres';
  /** Postgres URL (backend postgres). */
  databaseUrl?: string;
  seed: number;
  editsPerDeal: number;
  /** The connector is killed after a random time in this range (ms), then restarted at once. */
  killEveryMs: readonly [number, number];
  /** How long faults and kills last (default: max(15 s, 100 ms per deal)). */
  chaosMs?: number;
  /** How long quiescence may take before the run gives up on it (default: 90 s + 400 ms per deal). */
  quiesceTimeoutMs?: number;
  /** Bursts of 429 on Salesforce too, not only Partner Center (default true). */
  salesforceRateLimitBursts?: boolean;
  /** Keep the run's directory (store, trace, config) for a look afterwards; its path is said. */
  keepDir?: boolean;
  /** Progress lines (default: none). */
  say?: (line: string) => void;
}

export interface ChaosFigures extends FaultFigures, CheckFigures {
  backend: string;
  seed: number;
  kills: number;
  connectorStarts: number;
  connectorCrashes: number;
  /** Mean time from spawning `cosell serve` to its admin API answering. */
  meanStartSeconds: number;
  chaosSeconds: number;
  quiesceSeconds: number | null;
}

export interface ChaosReport {
  figures: ChaosFigures;
  problems: ChaosProblem[];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Action = { at: number; deal: number; kind: 'create' | 'edit' };

/** When each deal is created (spread over the first 60 % of the chaos phase) and edited (after that, until the end). */
function schedule(options: ChaosOptions, chaosMs: number, random: () => number): Action[] {
  const actions: Action[] = [];
  const createSpanMs = chaosMs * 0.6;
  for (let deal = 0; deal < options.deals; deal += 1) {
    const createAt = (deal * createSpanMs) / options.deals;
    actions.push({ at: createAt, deal, kind: 'create' });
    for (let edit = 0; edit < options.editsPerDeal; edit += 1) {
      const from = createAt + 500;
      actions.push({ at: from + random() * Math.max(0, chaosMs - from), deal, kind: 'edit' });
    }
  }
  return actions.sort((a, b) => a.at - b.at);
}

/**
 * Starts a connector child; one that dies while starting (an upstream fault at startup) is counted as a crash
 * and started again, for up to two minutes.
 */
async function startWithRetries(connector: ConnectorProcesses): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await connector.start();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await pause(500);
    }
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const say = options.say ?? (() => undefined);
  const random = seededRandom(options.seed);
  const chaosMs = options.chaosMs ?? Math.max(15_000, options.deals * 100);
  const quiesceTimeoutMs = options.quiesceTimeoutMs ?? 90_000 + options.deals * 400;
  const schema = `chaos_${process.pid}_${Date.now().toString(36)}`;
  if (options.backend === 'postgres' && !options.databaseUrl)
    throw new Error('backend postgres needs databaseUrl');
  const storeOverride =
    options.backend === 'postgres' ? { store: { kind: 'postgres', url: options.databaseUrl, schema } } : {};

  const sandbox: TestSandbox = await startTestSandbox({ configOverrides: storeOverride });
  const problems: ChaosProblem[] = [];
  const problem = (invariant: Invariant, message: string) => problems.push({ invariant, message });
  let processes: ConnectorProcesses | null = null;
  try {
    // The `cosell serve` children all listen on one port, where the webhook is registered once.
    const { config, port, configFile, traceFile, env } = await handOverToChildProcesses(sandbox, 'chaos', {
      queue: { leaseSeconds: 5 },
      sync: { pollIntervalSeconds: 1, reconcileIntervalSeconds: Math.max(5, Math.ceil(options.deals / 10)) },
      log: { level: 'warn' },
    });

    const urls = { partnerCenter: sandbox.urls.partnerCenter, salesforce: sandbox.urls.salesforce };
    // The emulator's daily API allocation (15,000, a small org's) counts the sellers' calls too; a run of 1,000
    // deals makes more than that. A real org's allocation is 100,000 and up.
    await emulatorControl(urls.salesforce, 'POST', '/__emulator/limits', {
      used: 0,
      max: Math.max(15_000, options.deals * 200),
    });
    const seller = new SellerRest(urls.salesforce);
    const workload = new ChaosWorkload(urls, seller, random, Math.max(2, Math.ceil(options.deals / 4)));
    await workload.createExistingCustomers();
    const connector = new ConnectorProcesses({ configFile, port, env });
    processes = connector;
    await connector.start();
    const faults = new ChaosFaults(urls, DEFAULT_FAULT_RATES, options.salesforceRateLimitBursts ?? true);
    await faults.start();
    say(
      `chaos: ${options.deals} deals on ${options.backend}, ${Math.round(chaosMs / 1000)} s of faults and kills`,
    );

    // The chaos phase: people act on both sides, faults are injected, the connector is killed and restarted.
    const startedAt = Date.now();
    let chaosOver = false;
    const actions = schedule(options, chaosMs, random);
    const created = new Map<number, Promise<unknown>>();
    const actor = async () => {
      for (let action = actions.shift(); action; action = actions.shift()) {
        const due = startedAt + action.at - Date.now();
        if (due > 0) await pause(due);
        const { deal } = action;
        try {
          if (action.kind === 'create') {
            const creating = workload.createDeal(deal);
            created.set(deal, creating);
            await creating;
          } else {
            await created.get(deal);
            const target = workload.deals.find((item) => item.index === deal);
            if (target) await workload.editDeal(target);
          }
        } catch (error) {
          problem('run', `the run could not ${action.kind} deal ${deal}: ${(error as Error).message}`);
        }
      }
    };
    const killer = async () => {
      while (!chaosOver) {
        const waitMs = options.killEveryMs[0] + random() * (options.killEveryMs[1] - options.killEveryMs[0]);
        const until = Date.now() + waitMs;
        while (!chaosOver && Date.now() < until && connector.isRunning()) await pause(100);
        if (chaosOver) break;
        await connector.kill();
        await startWithRetries(connector);
      }
    };
    const faulter = async () => {
      for (let tick = 0; !chaosOver; tick += 1) {
        await pause(3_000);
        if (chaosOver) break;
        await (tick % 2 === 0 ? faults.rateLimitBurst() : faults.expireSessions());
      }
    };
    const background = Promise.all([killer(), faulter()]).catch((error: unknown) => {
      problem('run', `the kill and fault loops stopped: ${(error as Error).message}`);
    });
    await Promise.all([actor(), actor(), actor(), actor()]);
    const remainingMs = startedAt + chaosMs - Date.now();
    if (remainingMs > 0) await pause(remainingMs);
    chaosOver = true;
    await background;
    const faultFigures = await faults.stop();
    const chaosEndedAt = Date.now();
    if (!connector.isRunning()) await startWithRetries(connector);
    say(
      `chaos: faults off after ${Math.round((chaosEndedAt - startedAt) / 1000)} s, ${connector.kills} kills; quiescing`,
    );

    // Quiescence: faults are off; wait for a reconcile pass that started after that, with no deal job left and
    // no webhook delivery still retrying; then for one more such pass, to see that it found nothing more to do.
    const store = await openConnectorStore(config);
    let quiesceSeconds: number | null = null;
    try {
      const reconciledAfter = async (instantMs: number): Promise<number | false> => {
        if (!connector.isRunning()) await startWithRetries(connector);
        const cursor = await store.cursors.get(config.connectionId, RECONCILE_CURSOR_SOURCE);
        if (!cursor || Date.parse(cursor) <= instantMs) return false;
        if ((await liveDealJobs(config)) > 0) return false;
        const deliveries = (await emulatorControl(
          urls.partnerCenter,
          'GET',
          '/__emulator/webhook-deliveries',
        )) as unknown as {
          status: string;
        }[];
        if (deliveries.some((delivery) => delivery.status === 'pending' || delivery.status === 'held'))
          return false;
        return Date.parse(cursor);
      };
      const deadline = chaosEndedAt + quiesceTimeoutMs;
      try {
        const first = await waitFor(
          'a reconcile pass after the faults with no deal job left',
          () => reconciledAfter(chaosEndedAt),
          {
            timeoutMs: Math.max(1_000, deadline - Date.now()),
            intervalMs: 250,
          },
        );
        await waitFor('one more reconcile pass with no deal job left', () => reconciledAfter(first), {
          timeoutMs: Math.max(1_000, deadline - Date.now()),
          intervalMs: 250,
        });
        quiesceSeconds = (Date.now() - chaosEndedAt) / 1000;
      } catch (error) {
        problem(
          'connector',
          `the connector did not quiesce within ${quiesceTimeoutMs / 1000} s: ${(error as Error).message} (${await liveDealJobs(config)} deal jobs left)`,
        );
      }
      const exitCode = await connector.stop();
      if (exitCode !== 0) problem('connector', `cosell serve exited ${exitCode} on SIGTERM (expected 0)`);
      // One problem per distinct reason a child exited by itself.
      const crashes = new Map<string, number[]>();
      for (const crash of connector.crashes) {
        const reason = `code ${crash.code}: ${crash.output.trim()}`;
        crashes.set(reason, [...(crashes.get(reason) ?? []), crash.pid]);
      }
      for (const [reason, pids] of crashes)
        problem(
          'connector',
          `cosell serve exited by itself ${pids.length}× (pids ${pids.join(', ')}), ${reason}`,
        );
      say('chaos: checking');

      const verdict = checkChaosRun(
        workload,
        await chaosFinalState({
          partnerCenterUrl: urls.partnerCenter,
          seller,
          store,
          connectionId: config.connectionId,
          trace: readDealTrace(traceFile),
          processEndedAt: connector.endedAt,
        }),
      );
      problems.push(...verdict.problems);
      return {
        figures: {
          backend: options.backend,
          seed: options.seed,
          ...faultFigures,
          ...verdict.figures,
          kills: connector.kills,
          connectorStarts: connector.starts,
          connectorCrashes: connector.crashes.length,
          meanStartSeconds:
            connector.startMs.reduce((sum, ms) => sum + ms, 0) / Math.max(1, connector.startMs.length) / 1000,
          chaosSeconds: (chaosEndedAt - startedAt) / 1000,
          quiesceSeconds,
        },
        problems,
      };
    } finally {
      await store.close();
    }
  } finally {
    if (processes?.isRunning()) await processes.kill();
    await sandbox.emulators.close();
    if (options.keepDir) say(`chaos: kept ${sandbox.dir} (Postgres schema ${schema})`);
    else {
      rmSync(sandbox.dir, { recursive: true, force: true });
      if (options.backend === 'postgres' && options.databaseUrl)
        await dropSchemas(options.databaseUrl, connectorSchemas(schema));
    }
  }
}

/** The figures as lines for a person (and for docs/reliability.md). */
export function formatChaosFigures(figures: ChaosFigures): string[] {
  const f = figures;
  return [
    `backend ${f.backend}, seed ${f.seed}: ${f.deals} deals, ${f.edits} edits, ${f.chaosSeconds.toFixed(1)} s of chaos`,
    `faults: Salesforce ${f.salesforceFaults} of ${f.salesforceRequests} API calls, Partner Center ${f.partnerCenterFaults} of ${f.partnerCenterRequests}; ${f.rateLimitBursts} bursts of 429, ${f.sessionExpiries} session expiries`,
    `webhook deliveries: ${f.deliveriesDropped} dropped, ${f.deliveriesDuplicated} duplicated, ${f.deliveriesReordered} reordered`,
    `connector: ${f.kills} SIGKILLs, ${f.connectorStarts} starts, ${f.connectorCrashes} crashes by itself, ${f.meanStartSeconds.toFixed(1)} s per start; ${f.dealJobs} deal jobs traced, ${f.jobsCutOff} cut off by a kill`,
    `converged ${f.converged}/${f.deals}; duplicates: ${f.duplicateOpportunities} opportunities, ${f.duplicateReferrals} referrals, ${f.duplicateAccounts} accounts, ${f.duplicateContacts} contacts`,
    `lost updates ${f.lostUpdates} (conflicts audited ${f.conflictsAudited}); deals processed by two jobs at once ${f.overlappingJobs}; dead letters ${f.deadLetters} (${f.deadLettersNotPermanent} not permanent); writes without audit ${f.writesWithoutAudit}`,
    `time to quiesce ${f.quiesceSeconds === null ? 'did not quiesce' : `${f.quiesceSeconds.toFixed(1)} s`}`,
  ];
}
