/**
 * The one use case every trigger ends in: sync a batch of deals. It reads both sides for the whole batch in a
 * few calls, plans every deal (pure, in domain/), and — unless it is a dry run — applies the plans with bulk
 * writes and stores the batch's links and audit in one transaction. A single webhook is a batch of one.
 * Being state-based, duplicated, reordered or lost triggers are harmless: the next run converges.
 */
import { planDeal } from '../domain/planDeal.ts';
import { type AppliedOutcome, applyDealPlans } from './applyDealPlans.ts';
import type { DealSyncRequest } from './dealJobs.ts';
import type { DealSyncDeps, DealSyncResult } from './dealSyncContext.ts';
import { syncLeadDeal } from './leadSync.ts';
import { canonicalKey, type PlannedDeal, resultOf } from './plannedDeal.ts';
import { type DealRead, planReferralOf, readDealBatch, referralInputOf } from './readDealBatch.ts';

export interface BatchItem {
  request: DealSyncRequest;
  /** The queue key the job ran under; a deal whose own key differs is handed back under its key. */
  key?: string;
  /**
   * Aborted when the job's lease was lost (another worker may take the deal now): the deal is then left before
   * its plan, and before its writes if it was planned, instead of being written by two jobs at once.
   */
  signal?: AbortSignal;
}

/** Why a deal was left unwritten: its job no longer holds the deal. */
function leaseLost(item: BatchItem): BatchOutcome {
  return {
    kind: 'failed',
    error: item.signal?.reason ?? new Error('The job lease was lost: another worker may run this job now.'),
  };
}

export type BatchOutcome =
  | { kind: 'done'; result: DealSyncResult }
  | { kind: 'failed'; error: unknown }
  /** The job ran under another key than its deal's: enqueue the deal under `key` instead, nothing was written. */
  | { kind: 'rekeyed'; key: string };

export function planInputOf(deps: DealSyncDeps, read: DealRead, notesAvailable: boolean) {
  return {
    link: read.link,
    referral: read.referral ? planReferralOf(read.referral) : null,
    related: read.related.map(referralInputOf),
    opportunity: read.opportunity,
    mapping: deps.mapping,
    org: { notesAvailable },
    trigger: read.request.trigger,
    now: deps.clock.now(),
  };
}

export interface SyncDealBatchOptions {
  dryRun?: boolean;
  /** Told, once the reads are done and before anything is planned or written, that item `index` keeps its deal. */
  onKeptDeal?: (index: number) => void;
}

export async function syncDealBatch(
  deps: DealSyncDeps,
  items: readonly BatchItem[],
  options: SyncDealBatchOptions = {},
): Promise<BatchOutcome[]> {
  const dryRun = options.dryRun === true;
  let reads: DealRead[];
  let notesAvailable: boolean;
  try {
    [reads, notesAvailable] = await Promise.all([
      readDealBatch(
        deps,
        items.map((item) => item.request),
      ),
      deps.salesforce.notesAvailable(),
    ]);
  } catch (error) {
    return items.map(() => ({ kind: 'failed', error }));
  }
  const outcomes: (BatchOutcome | null)[] = items.map(() => null);
  const planned: { index: number; planned: PlannedDeal }[] = [];
  const seen = new Set<string>();
  for (const [index, read] of reads.entries()) {
    const key = canonicalKey(deps, read);
    const item = items[index]!;
    if (item.signal?.aborted) {
      outcomes[index] = leaseLost(item);
      continue;
    }
    // One deal, one job at a time: a job that learned its deal runs under another key hands it back unwritten.
    if ((item.key !== undefined && item.key !== key) || seen.has(key)) {
      outcomes[index] = { kind: 'rekeyed', key };
      continue;
    }
    seen.add(key);
    options.onKeptDeal?.(index);
    try {
      planned.push({
        index,
        planned: { read, plan: await planDeal(planInputOf(deps, read, notesAvailable)) },
      });
    } catch (error) {
      outcomes[index] = { kind: 'failed', error };
    }
  }
  // Leads kept as Salesforce Leads go their own way, one deal at a time (rare).
  const deals: typeof planned = [];
  for (const entry of planned) {
    if (entry.planned.plan.lead === null) {
      deals.push(entry);
      continue;
    }
    try {
      const result = await syncLeadDeal(deps, entry.planned, { dryRun });
      outcomes[entry.index] =
        result === 'converted'
          ? ((await syncDealBatch(deps, [{ request: entry.planned.read.request }], { dryRun }))[0] ?? null)
          : { kind: 'done', result };
    } catch (error) {
      outcomes[entry.index] = { kind: 'failed', error };
    }
  }
  // Reading and planning a batch takes a while: a job whose lease was lost meanwhile writes nothing.
  const kept = deals.filter((entry) => {
    const item = items[entry.index]!;
    if (!item.signal?.aborted) return true;
    outcomes[entry.index] = leaseLost(item);
    return false;
  });
  const results: AppliedOutcome[] = dryRun
    ? kept.map(({ planned: deal }) => ({ ok: true as const, result: dryRunResult(deal) }))
    : await applyDealPlans(
        deps,
        kept.map((entry) => entry.planned),
      );
  const created: CreatedDeal[] = [];
  kept.forEach((entry, i) => {
    const applied = results[i]!;
    outcomes[entry.index] = applied.ok
      ? { kind: 'done', result: applied.result }
      : { kind: 'failed', error: applied.error };
    if (
      !dryRun &&
      applied.ok &&
      applied.result.action === 'create_opportunity' &&
      applied.result.opportunityId
    )
      created.push({
        index: entry.index,
        result: applied.result,
        settle: applied.settle ?? null,
        read: entry.planned.read,
      });
  });
  if (created.length) await settleCreatedOpportunities(deps, created, notesAvailable, outcomes);
  return outcomes.map(
    (outcome) => outcome ?? { kind: 'failed', error: new Error('The deal was not planned.') },
  );
}

interface CreatedDeal {
  index: number;
  result: DealSyncResult;
  /** The deal as it stands after the create, when the writes could tell (see AppliedOutcome). */
  settle: DealRead | null;
  read: DealRead;
}

/**
 * A new opportunity may differ from the referral it came from (its id, which Partner Center keeps as the
 * externalReferenceId; values Salesforce normalised): one follow-up sync of the created deals settles it, and its
 * changes join the create's result. It plans from what the create already knows — the link it saved, the
 * referral it read, the opportunity read back after the writes — and reads again only when that is not known.
 */
async function settleCreatedOpportunities(
  deps: DealSyncDeps,
  created: readonly CreatedDeal[],
  notesAvailable: boolean,
  outcomes: (BatchOutcome | null)[],
): Promise<void> {
  const settled: BatchOutcome[] = new Array(created.length);
  const known: { at: number; planned: PlannedDeal }[] = [];
  const unknown: number[] = [];
  for (const [at, deal] of created.entries()) {
    if (!deal.settle) {
      unknown.push(at);
      continue;
    }
    try {
      known.push({
        at,
        planned: { read: deal.settle, plan: await planDeal(planInputOf(deps, deal.settle, notesAvailable)) },
      });
    } catch (error) {
      settled[at] = { kind: 'failed', error };
    }
  }
  if (known.length) {
    const applied = await applyDealPlans(
      deps,
      known.map((entry) => entry.planned),
    );
    known.forEach((entry, i) => {
      const outcome = applied[i]!;
      settled[entry.at] = outcome.ok
        ? { kind: 'done', result: outcome.result }
        : { kind: 'failed', error: outcome.error };
    });
  }
  if (unknown.length) {
    const again = await syncDealBatch(
      deps,
      unknown.map((at) => {
        const { result, read } = created[at]!;
        // Nothing was written to Partner Center since this batch read the referral: plan from that read.
        const referral = read.referral?.id === result.referralId ? read.referral : null;
        return {
          request: {
            referralId: result.referralId,
            opportunityId: result.opportunityId,
            trigger: read.request.trigger,
            ...(referral ? { referral, related: read.related, readJustNow: true } : {}),
          },
        };
      }),
    );
    unknown.forEach((at, i) => {
      settled[at] = again[i]!;
    });
  }
  settled.forEach((outcome, i) => {
    const { index, result } = created[i]!;
    if (outcome.kind !== 'done') {
      // The create stands; the next trigger (poll, reconcile) settles the rest.
      deps.logger.warn(
        { referralId: result.referralId },
        'the follow-up sync of a new opportunity did not finish',
      );
      return;
    }
    outcomes[index] = {
      kind: 'done',
      result: {
        ...result,
        toSalesforce: [...result.toSalesforce, ...outcome.result.toSalesforce],
        toPartnerCenter: [...result.toPartnerCenter, ...outcome.result.toPartnerCenter],
        conflicts: outcome.result.conflicts,
      },
    };
  });
}

/** The result of a deal in a dry run: what would be written, nothing written. */
function dryRunResult({ read, plan }: PlannedDeal): DealSyncResult {
  const would = (text: string) => `Would ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
  const message =
    plan.action === 'update'
      ? `Would update the deal: ${plan.message}`
      : plan.action === 'create_opportunity' || plan.action === 'create_referral' || plan.action === 'pause'
        ? would(plan.message)
        : plan.message;
  return resultOf(read, plan, { message, dryRun: true });
}
