import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { type Connector, claimScopeOf } from '../../app.ts';
import { toError } from '../../shared/upstreamError.ts';
import { type DealSyncRequest, JOB } from '../../sync/dealJobs.ts';
import type { DealSyncResult } from '../../sync/dealSyncContext.ts';
import { backfillRequests, type RunOutcome, runDealSyncs } from '../../sync/runDealSyncs.ts';
import { syncDealBatch } from '../../sync/syncDealBatch.ts';
import { dealBatchHandler } from '../../sync/syncWorker.ts';
import type { CliIo } from '../cliIo.ts';
import { withConnector } from '../commandContext.ts';
import { type CommonOptions, withCommonOptions } from '../commonOptions.ts';
import { EXIT } from '../exitCodes.ts';
import { formatFieldValue } from '../formatFieldValue.ts';

interface SyncOptions extends CommonOptions {
  dryRun?: boolean;
  referral?: string[];
  opportunity?: string[];
  timeout?: string;
}

const DEFAULT_TIMEOUT_SECONDS = 600;

function idOf(request: DealSyncRequest): string {
  return request.referralId ? `referral ${request.referralId}` : `opportunity ${request.opportunityId}`;
}

function describeOutcome(outcome: RunOutcome): string[] {
  if ('error' in outcome) return [`✖ ${idOf(outcome.request)}: ${outcome.error}`];
  const { result } = outcome;
  const who = [
    result.opportunityId && `opportunity ${result.opportunityId}`,
    result.referralId && `referral ${result.referralId}`,
  ]
    .filter(Boolean)
    .join(' ⇄ ');
  const lines = [`${result.action.padEnd(18)} ${who || idOf(outcome.request)} — ${result.message}`];
  for (const change of [...result.toSalesforce, ...result.toPartnerCenter]) {
    lines.push(
      `    ${change.side === 'salesforce' ? 'Salesforce    ' : 'Partner Center'} ${change.field}: ${formatFieldValue(change.before)} → ${formatFieldValue(change.after)}`,
    );
  }
  return lines;
}

/** An id given on the command line that names no deal on either side. */
const isUnknown = (outcome: RunOutcome): boolean =>
  outcome.request.trigger === 'cli' &&
  'result' in outcome &&
  outcome.result.action === 'skip' &&
  outcome.result.linkId === null &&
  outcome.result.referralId === null &&
  outcome.result.opportunityId === null;

function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`;
}

/** A dry run plans in batches and writes nothing: the same read and plan every job does, without the apply. */
async function planAll(connector: Connector, requests: readonly DealSyncRequest[]): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = [];
  const size = connector.config.queue.batchSize;
  for (let i = 0; i < requests.length; i += size) {
    const chunk = requests.slice(i, i + size);
    const results = await syncDealBatch(
      connector.deps,
      chunk.map((request) => ({ request })),
      { dryRun: true },
    );
    results.forEach((outcome, j) => {
      const request = chunk[j]!;
      if (outcome.kind === 'done') outcomes.push({ request, result: outcome.result });
      else if (outcome.kind === 'failed') outcomes.push({ request, error: toError(outcome.error).message });
      else
        outcomes.push({ request, error: 'Another deal of this run is the same deal; it is planned once.' });
    });
  }
  return outcomes;
}

export function registerSyncCommand(program: Command, io: CliIo): void {
  withCommonOptions(
    program
      .command('sync')
      .description(
        'backfill / one-off reconcile: sync every deal now (or the given ones) through the job queue, beside a running server or on its own; --dry-run prints the plan and writes nothing',
      )
      .option('--dry-run', 'read both sides and print what would be written, per deal; write nothing')
      .option('--referral <id...>', 'only these referral ids')
      .option('--opportunity <id...>', 'only these opportunity ids')
      .option(
        '--timeout <seconds>',
        'stop waiting after this long (the jobs stay queued)',
        String(DEFAULT_TIMEOUT_SECONDS),
      ),
  ).action(async (options: SyncOptions) => {
    const timeoutSeconds = Number(options.timeout ?? DEFAULT_TIMEOUT_SECONDS);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
      io.err(`--timeout takes a number of seconds greater than 0 (got ${options.timeout}).`);
      io.setExitCode(EXIT.usage);
      return;
    }
    const code = await withConnector(options, io, async (connector) => {
      const explicit: DealSyncRequest[] = [
        ...(options.referral ?? []).map((referralId) => ({ referralId, trigger: 'cli' as const })),
        ...(options.opportunity ?? []).map((opportunityId) => ({ opportunityId, trigger: 'cli' as const })),
      ];
      const requests = explicit.length ? explicit : await backfillRequests(connector.deps);
      const showProgress = !options.json && process.stderr.isTTY;
      const progress = (done: number, total: number) => {
        if (showProgress) process.stderr.write(`\r${progressBar(done, total)}`);
      };
      let outcomes: RunOutcome[];
      let pending: DealSyncRequest[] = [];
      if (options.dryRun) {
        outcomes = await planAll(connector, requests);
      } else {
        // This process works the queue too, so the command finishes with no server running; with one running,
        // both take jobs and per-deal keys keep any deal from syncing twice at once.
        await connector.queue.workBatch(JOB.dealSync, dealBatchHandler({ deps: connector.deps }), {
          concurrency: connector.config.queue.concurrency,
          batchSize: connector.config.queue.batchSize,
          gatherMs: connector.config.queue.gatherMs,
          // Never another connection's deals, which this process has no clients for.
          ...claimScopeOf(connector.config),
        });
        ({ outcomes, pending } = await runDealSyncs(connector.deps, connector.queue, requests, {
          runId: randomUUID(),
          onProgress: progress,
          timeoutMs: timeoutSeconds * 1000,
        }));
      }
      if (showProgress) process.stderr.write('\n');
      const unknown = outcomes.filter(isUnknown);
      const failed = outcomes.filter((outcome) => 'error' in outcome);
      if (options.json) {
        io.out(JSON.stringify({ dryRun: options.dryRun === true, outcomes, pending }));
      } else {
        if (options.dryRun) {
          io.out(
            `Plan (dry run — nothing was written) for ${requests.length} deal${requests.length === 1 ? '' : 's'}:`,
          );
          for (const outcome of outcomes) for (const line of describeOutcome(outcome)) io.out(line);
          io.out('');
        } else {
          // What a person must look at: deals that could not be sent, and what was written.
          const worthShowing = outcomes.filter(
            (outcome) => 'result' in outcome && (outcome.result as DealSyncResult).action !== 'noop',
          );
          for (const outcome of worthShowing) for (const line of describeOutcome(outcome)) io.out(line);
          if (worthShowing.length) io.out('');
        }
        const counts = new Map<string, number>();
        for (const outcome of outcomes) {
          const key = 'error' in outcome ? 'failed' : outcome.result.action;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        if (pending.length) counts.set('still queued', pending.length);
        io.out(`${options.dryRun ? 'Would do' : 'Done'}:`);
        for (const [action, count] of [...counts].sort())
          io.out(`  ${action.padEnd(20)} ${String(count).padStart(5)}`);
        for (const outcome of failed) for (const line of describeOutcome(outcome)) io.err(line);
        for (const outcome of unknown)
          io.err(
            `✖ ${idOf(outcome.request)} exists neither in Partner Center nor in Salesforce: check the id.`,
          );
        if (pending.length)
          io.err(
            `✖ ${pending.length} deal${pending.length === 1 ? ' is' : 's are'} still queued after ${timeoutSeconds} s (being retried, or no worker is free): a running \`cosell serve\` finishes them; see \`cosell status\`.`,
          );
      }
      return failed.length || unknown.length || pending.length ? EXIT.failure : EXIT.ok;
    });
    io.setExitCode(code);
  });
}
