import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import { type Connector, claimScopeOf } from '../../app.ts';
import { toError } from '../../shared/upstreamError.ts';
import { type DealSyncRequest, JOB } from '../../sync/dealJobs.ts';
import {
  backfillRequests,
  type RequestIds,
  type RunOutcome,
  requestIdsOf,
  runDealSyncs,
} from '../../sync/runDealSyncs.ts';
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

/**
 * How far V8 lets the heap grow past what the last full collection kept, in percent. A backfill keeps little
 * alive (the batches in flight) but allocates fast, and by default V8 lets the heap reach about four times the
 * live size before collecting again: about 1 GB of resident memory for 10,000 deals. 1.5 times keeps it near
 * 250 MB for any number of deals, at the cost of more frequent (short) full collections.
 */
const SYNC_HEAP_GROWING_PERCENT = 50;

function idOf(request: RequestIds): string {
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
async function planAll(
  connector: Connector,
  requests: AsyncIterable<DealSyncRequest> | Iterable<DealSyncRequest>,
): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = [];
  const size = connector.config.queue.batchSize;
  const planChunk = async (chunk: DealSyncRequest[]) => {
    const results = await syncDealBatch(
      connector.deps,
      chunk.map((request) => ({ request })),
      { dryRun: true },
    );
    results.forEach((outcome, j) => {
      const request = requestIdsOf(chunk[j]!);
      if (outcome.kind === 'done') outcomes.push({ request, result: outcome.result });
      else if (outcome.kind === 'failed') outcomes.push({ request, error: toError(outcome.error).message });
      else
        outcomes.push({ request, error: 'Another deal of this run is the same deal; it is planned once.' });
    });
  };
  let chunk: DealSyncRequest[] = [];
  for await (const request of requests) {
    chunk.push(request);
    if (chunk.length < size) continue;
    await planChunk(chunk);
    chunk = [];
  }
  if (chunk.length) await planChunk(chunk);
  return outcomes;
}

/**
 * What the command reports, fed one outcome at a time: lines worth a look (or JSON) are written as outcomes
 * arrive, and only counts, failures and unknown ids are kept for the summary.
 */
class SyncReport {
  private readonly counts = new Map<string, number>();
  private readonly failed: RunOutcome[] = [];
  private readonly unknown: RunOutcome[] = [];
  private jsonOutcomes = 0;
  private shown = 0;

  constructor(
    private readonly io: CliIo,
    private readonly options: { json: boolean; dryRun: boolean; progress: boolean },
  ) {}

  /** JSON: the opening of the document (outcomes follow, one a line). */
  begin(): void {
    if (this.options.json) this.io.out(`{"dryRun":${this.options.dryRun},"outcomes":[`);
  }

  add(outcome: RunOutcome): void {
    const key = 'error' in outcome ? 'failed' : outcome.result.action;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if ('error' in outcome) this.failed.push(outcome);
    if (isUnknown(outcome)) this.unknown.push(outcome);
    if (this.options.json) {
      this.io.out(`${this.jsonOutcomes > 0 ? ',' : ''}${JSON.stringify(outcome)}`);
      this.jsonOutcomes += 1;
      return;
    }
    // What a person must look at: the whole plan of a dry run; otherwise what was written (failures are listed
    // at the end).
    if (!this.options.dryRun && ('error' in outcome || outcome.result.action === 'noop')) return;
    this.shown += 1;
    // The progress bar shares the terminal: clear its line before writing one of ours.
    if (this.options.progress) process.stderr.write('\r\x1b[2K');
    for (const line of describeOutcome(outcome)) this.io.out(line);
  }

  /** The summary; returns the exit code. */
  finish(pending: readonly RequestIds[], timeoutSeconds: number): number {
    const { io } = this;
    if (this.options.json) {
      io.out(`],"pending":${JSON.stringify(pending)}}`);
    } else {
      if (this.shown > 0 || this.options.dryRun) io.out('');
      if (pending.length) this.counts.set('still queued', pending.length);
      io.out(`${this.options.dryRun ? 'Would do' : 'Done'}:`);
      for (const [action, count] of [...this.counts].sort())
        io.out(`  ${action.padEnd(20)} ${String(count).padStart(5)}`);
      for (const outcome of this.failed) for (const line of describeOutcome(outcome)) io.err(line);
      for (const outcome of this.unknown)
        io.err(
          `✖ ${idOf(outcome.request)} exists neither in Partner Center nor in Salesforce: check the id.`,
        );
      if (pending.length)
        io.err(
          `✖ ${pending.length} deal${pending.length === 1 ? ' is' : 's are'} still queued after ${timeoutSeconds} s (being retried, or no worker is free): a running \`cosell serve\` finishes them; see \`cosell status\`.`,
        );
    }
    return this.failed.length || this.unknown.length || pending.length ? EXIT.failure : EXIT.ok;
  }
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
    // Before the connector opens, so the heap stays tight from the start.
    if (!options.dryRun) setFlagsFromString(`--heap-growing-percent=${SYNC_HEAP_GROWING_PERCENT}`);
    const code = await withConnector(options, io, async (connector) => {
      const explicit: DealSyncRequest[] = [
        ...(options.referral ?? []).map((referralId) => ({ referralId, trigger: 'cli' as const })),
        ...(options.opportunity ?? []).map((opportunityId) => ({ opportunityId, trigger: 'cli' as const })),
      ];
      const requests = explicit.length ? explicit : backfillRequests(connector.deps);
      const showProgress = !options.json && process.stderr.isTTY;
      const progress = (done: number, total: number) => {
        if (showProgress) process.stderr.write(`\r${progressBar(done, total)}`);
      };
      const dryRun = options.dryRun === true;
      const report = new SyncReport(io, { json: options.json === true, dryRun, progress: showProgress });
      if (dryRun) {
        const outcomes = await planAll(connector, requests);
        if (!options.json)
          io.out(
            `Plan (dry run — nothing was written) for ${outcomes.length} deal${outcomes.length === 1 ? '' : 's'}:`,
          );
        report.begin();
        for (const outcome of outcomes) report.add(outcome);
        return report.finish([], timeoutSeconds);
      }
      // This process works the queue too, so the command finishes with no server running; with one running,
      // both take jobs and per-deal keys keep any deal from syncing twice at once.
      await connector.queue.workBatch(JOB.dealSync, dealBatchHandler({ deps: connector.deps }), {
        concurrency: connector.config.queue.concurrency,
        batchSize: connector.config.queue.batchSize,
        gatherMs: connector.config.queue.gatherMs,
        // Never another connection's deals, which this process has no clients for.
        ...claimScopeOf(connector.config),
      });
      report.begin();
      const { pending } = await runDealSyncs(connector.deps, connector.queue, requests, {
        runId: randomUUID(),
        onOutcome: (outcome) => report.add(outcome),
        onProgress: progress,
        timeoutMs: timeoutSeconds * 1000,
      });
      if (showProgress) process.stderr.write('\n');
      return report.finish(pending, timeoutSeconds);
    });
    io.setExitCode(code);
  });
}
