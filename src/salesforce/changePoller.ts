import { createHash } from 'node:crypto';
import { type Clock, systemClock } from '../shared/clock.ts';
import { UpstreamError } from '../shared/upstreamError.ts';
import type { CursorRepository } from '../store/store.ts';
import {
  advanceCursor,
  type ChangeCursor,
  type ObservedRow,
  parseChangeCursor,
  querySince,
  serializeChangeCursor,
} from './changeCursor.ts';
import type { QueryOptions, SalesforceClient } from './salesforceClient.ts';
import { defaultSalesforceFieldNames, type SalesforceFieldNames } from './salesforceFieldNames.ts';
import { parseSalesforceDateTime, soqlDateTime } from './soqlLiteral.ts';

/** Why an opportunity is reported: the opportunity itself changed, or one of its Microsoft solutions did. */
export type ChangeReason = 'opportunity' | 'solution' | 'lead';

export interface ChangedOpportunity {
  opportunityId: string;
  reasons: ChangeReason[];
  /** Newest SystemModstamp among the rows that reported it (ISO-8601). */
  systemModstamp: string;
}

export interface PollResult {
  changes: ChangedOpportunity[];
  /** Rows read from Salesforce, including rows of the overlap window that had been reported before. */
  rowsRead: number;
}

export interface ChangePollerOptions {
  client: SalesforceClient;
  cursors: CursorRepository;
  connectionId: string;
  fieldNames?: SalesforceFieldNames;
  /** How far before the cursor each poll reads again, to catch late commits within the same seconds. */
  overlapMs?: number;
  clock?: Clock;
  /** Without a stored cursor, the first poll starts this long before now. */
  initialLookbackMs?: number;
  /** Also watch Leads carrying a Partner Center referral id (leads.handling: lead); reported by lead id. */
  watchLeads?: boolean;
  /** Opportunity fields whose values make two states with the same SystemModstamp second distinct. */
  opportunityFingerprintFields?: readonly string[];
  /**
   * Ask Salesforce (getUpdated) how far changes are complete before each poll, so the cursor never passes the
   * start of a long-running transaction. Default true; costs one API call per poll.
   */
  longTransactionGuard?: boolean;
}

export const OPPORTUNITY_CURSOR_SOURCE = 'salesforce.opportunity';
export const SOLUTION_CURSOR_SOURCE = 'salesforce.solution';
export const LEAD_CURSOR_SOURCE = 'salesforce.lead';
export const DEFAULT_POLL_OVERLAP_MS = 5000;
/** getUpdated's window ends now and starts this much earlier (it must span at least a minute). */
const COVERAGE_WINDOW_MS = 5 * 60_000;

type Row = Record<string, unknown> & { Id: string; SystemModstamp: string };

function fingerprint(row: Row): string {
  const { attributes: _attributes, ...fields } = row;
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url').slice(0, 16);
}

/**
 * Finds opportunities changed in Salesforce since the last poll by SOQL on SystemModstamp: opportunities with
 * Sync ticked or already linked to a referral, and the Microsoft solutions of those opportunities. Each change
 * is reported once; the cursor is stored only after the caller has accepted the changes.
 */
export class ChangePoller {
  private readonly names: SalesforceFieldNames;
  private readonly overlapMs: number;
  private readonly clock: Clock;
  private readonly fingerprintFields: readonly string[];
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly options: ChangePollerOptions) {
    this.names = options.fieldNames ?? defaultSalesforceFieldNames;
    this.overlapMs = options.overlapMs ?? DEFAULT_POLL_OVERLAP_MS;
    this.clock = options.clock ?? systemClock;
    const n = this.names;
    this.fingerprintFields = options.opportunityFingerprintFields ?? [
      'Name',
      'StageName',
      'Amount',
      'CloseDate',
      'AccountId',
      'LastModifiedById',
      n.syncWithPartnerCenter,
      n.referralId,
      n.howCanMicrosoftHelp,
      n.shareWithMicrosoftSellers,
    ];
  }

  /**
   * Reads the changes since the stored cursors, hands them to `onChanges` (e.g. to enqueue sync jobs) and
   * then stores the cursors. If `onChanges` throws, the cursors stay and the same changes come again.
   * Calls made while a poll runs wait for it, then poll themselves: one poller never reads twice at once.
   */
  poll(onChanges?: (changes: ChangedOpportunity[]) => Promise<void>): Promise<PollResult> {
    const run = this.tail.then(() => this.pollOnce(onChanges));
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async pollOnce(onChanges?: (changes: ChangedOpportunity[]) => Promise<void>): Promise<PollResult> {
    const { cursors, connectionId } = this.options;
    const n = this.names;
    const linkedOrSync = (prefix: string) =>
      `(${prefix}${n.syncWithPartnerCenter} = true OR ${prefix}${n.referralId} != null)`;
    const parentRelationship = n.solutionOpportunity.replace(/__c$/, '__r');
    // Read before the queries: a transaction still open now can only commit rows stamped from its start on.
    const coveredUntilMs = await this.coveredUntilMs();

    const opportunities = await this.readSource(
      coveredUntilMs,
      OPPORTUNITY_CURSOR_SOURCE,
      (since) =>
        `SELECT Id, SystemModstamp, ${this.fingerprintFields.join(', ')} FROM Opportunity WHERE SystemModstamp >= ${since} AND ${linkedOrSync('')} ORDER BY SystemModstamp, Id`,
      (row) => row.Id,
    );
    const solutions = await this.readSource(
      coveredUntilMs,
      SOLUTION_CURSOR_SOURCE,
      (since) =>
        `SELECT Id, IsDeleted, SystemModstamp, ${n.solutionOpportunity}, ${n.solutionId}, ${n.solutionName}, ${n.solutionPublisher} FROM ${n.solutionObject} WHERE SystemModstamp >= ${since} AND ${linkedOrSync(`${parentRelationship}.`)} ORDER BY SystemModstamp, Id`,
      (row) => String(row[n.solutionOpportunity] ?? ''),
      // Deleted solutions must reach Partner Center too: read the recycle bin as well.
      { includeDeleted: true },
    );

    const leads = this.options.watchLeads
      ? await this.readSource(
          coveredUntilMs,
          LEAD_CURSOR_SOURCE,
          (since) =>
            `SELECT Id, SystemModstamp, IsConverted, ConvertedOpportunityId, Status FROM Lead WHERE SystemModstamp >= ${since} AND ${n.leadReferralId} != null ORDER BY SystemModstamp, Id`,
          (row) => row.Id,
        )
      : null;

    const byOpportunity = new Map<string, ChangedOpportunity>();
    const report = (opportunityId: string, reason: ChangeReason, systemModstamp: string) => {
      if (!opportunityId) return;
      const existing = byOpportunity.get(opportunityId);
      if (!existing) {
        byOpportunity.set(opportunityId, { opportunityId, reasons: [reason], systemModstamp });
        return;
      }
      if (!existing.reasons.includes(reason)) existing.reasons.push(reason);
      if (systemModstamp > existing.systemModstamp) existing.systemModstamp = systemModstamp;
    };
    for (const change of opportunities.fresh)
      report(change.opportunityId, 'opportunity', change.systemModstamp);
    for (const change of solutions.fresh) report(change.opportunityId, 'solution', change.systemModstamp);
    for (const change of leads?.fresh ?? []) report(change.opportunityId, 'lead', change.systemModstamp);

    const changes = [...byOpportunity.values()];
    if (onChanges && changes.length > 0) await onChanges(changes);
    await cursors.set(connectionId, OPPORTUNITY_CURSOR_SOURCE, serializeChangeCursor(opportunities.next));
    await cursors.set(connectionId, SOLUTION_CURSOR_SOURCE, serializeChangeCursor(solutions.next));
    if (leads) await cursors.set(connectionId, LEAD_CURSOR_SOURCE, serializeChangeCursor(leads.next));
    return { changes, rowsRead: opportunities.rowsRead + solutions.rowsRead + (leads?.rowsRead ?? 0) };
  }

  /**
   * Salesforce's `latestDateCovered` for a window ending now: the end, or the start of a long-running
   * transaction still in progress (it is instance-wide, so one call covers every object polled). Undefined when
   * the guard is off or the org refuses the call (then only the overlap window protects late commits).
   */
  private async coveredUntilMs(): Promise<number | undefined> {
    if (this.options.longTransactionGuard === false) return undefined;
    const nowMs = this.clock.now().getTime();
    try {
      const result = await this.options.client.call('read how far Salesforce changes are complete', (conn) =>
        conn.sobject('Opportunity').updated(new Date(nowMs - COVERAGE_WINDOW_MS), new Date(nowMs)),
      );
      return parseSalesforceDateTime(result.latestDateCovered).getTime();
    } catch (error) {
      if (error instanceof UpstreamError && error.kind === 'permanent') return undefined;
      throw error;
    }
  }

  private async readSource(
    coveredUntilMs: number | undefined,
    source: string,
    soql: (sinceLiteral: string) => string,
    opportunityIdOf: (row: Row) => string,
    queryOptions: QueryOptions = {},
  ): Promise<{
    fresh: Array<{ opportunityId: string; systemModstamp: string }>;
    next: ChangeCursor;
    rowsRead: number;
  }> {
    const cursor = parseChangeCursor(await this.options.cursors.get(this.options.connectionId, source));
    const initialSince = new Date(this.clock.now().getTime() - (this.options.initialLookbackMs ?? 0));
    const since = querySince(cursor, this.overlapMs, initialSince);
    const observed: ObservedRow[] = [];
    const opportunityByKey = new Map<ObservedRow, string>();
    for await (const row of this.options.client.query<Row>(soql(soqlDateTime(since)), queryOptions)) {
      const item: ObservedRow = {
        id: row.Id,
        systemModstamp: parseSalesforceDateTime(row.SystemModstamp).toISOString(),
        fingerprint: fingerprint(row),
      };
      observed.push(item);
      opportunityByKey.set(item, opportunityIdOf(row));
    }
    const advanced = advanceCursor(cursor, observed, this.overlapMs, coveredUntilMs);
    const { fresh } = advanced;
    // Nothing seen yet: keep the window anchored where this poll started (not at the next poll's "now"),
    // so changes made between two empty polls are still found. Whole seconds, as SOQL compares them.
    const sinceSecondMs = Math.floor(since.getTime() / 1000) * 1000;
    const anchoredMs = Math.min(sinceSecondMs + this.overlapMs, coveredUntilMs ?? Number.POSITIVE_INFINITY);
    const next =
      advanced.next.at === null ? { at: new Date(anchoredMs).toISOString(), seen: [] } : advanced.next;
    return {
      fresh: fresh.map((row) => ({
        opportunityId: opportunityByKey.get(row) ?? '',
        systemModstamp: row.systemModstamp,
      })),
      next,
      rowsRead: observed.length,
    };
  }
}
