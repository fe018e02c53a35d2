import { createHash } from 'node:crypto';
import { type Clock, systemClock } from '../shared/clock.ts';
import type { CursorRepository } from '../store/store.ts';
import {
  advanceCursor,
  type ChangeCursor,
  type ObservedRow,
  parseChangeCursor,
  querySince,
  serializeChangeCursor,
} from './changeCursor.ts';
import {
  type CompositeAnswer,
  type QueryPage,
  queryOperation,
  type SalesforceClient,
} from './salesforceClient.ts';
import { defaultSalesforceFieldNames, type SalesforceFieldNames } from './salesforceFieldNames.ts';
import { parseSalesforceDateTime, soqlDateTime } from './soqlLiteral.ts';

/** Why an opportunity is reported: the opportunity itself changed, or one of its Microsoft solutions did. */
export type ChangeReason = 'opportunity' | 'solution' | 'lead';

export interface ChangedOpportunity {
  opportunityId: string;
  reasons: ChangeReason[];
  /** Newest SystemModstamp among the rows that reported it (ISO-8601). */
  systemModstamp: string;
  /**
   * Every row reported at that newest SystemModstamp was last modified by the user the connector signs in as:
   * the change may be the connector's own write. False when anyone else (a seller, a flow's user) modified one,
   * or when the connector's user is not known.
   */
  changedByConnector: boolean;
  /**
   * The opportunity's own row was reported and its referral-id field is set: it came from a referral (the
   * connector sets the field when it creates an opportunity from one). False when only its solutions changed.
   */
  carriesReferralId: boolean;
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

/** A row the poll reports, by the opportunity it belongs to. */
interface FreshRow {
  opportunityId: string;
  systemModstamp: string;
  lastModifiedById: unknown;
  /** An opportunity row whose referral-id field is set (the opportunity came from a referral). */
  carriesReferralId: boolean;
}

interface PolledSource {
  source: string;
  soql: (sinceLiteral: string) => string;
  opportunityIdOf: (row: Row) => string;
  reason: ChangeReason;
  /** Also read deleted (recycle bin) rows, through /queryAll. */
  includeDeleted?: boolean;
}

interface SourceWindow {
  source: PolledSource;
  cursor: ChangeCursor;
  since: Date;
  soql: string;
}

/**
 * Salesforce's `latestDateCovered` for the window ending now: the end, or the start of a long-running
 * transaction still in progress (it is instance-wide, so one read covers every object polled). Undefined when
 * the org refuses the read (then only the overlap window protects late commits); other failures throw.
 */
function coverageOf(answer: CompositeAnswer): number | undefined {
  if (!answer.ok) {
    if (answer.error.kind === 'permanent') return undefined;
    throw answer.error;
  }
  const covered = (answer.value as { latestDateCovered?: unknown } | null)?.latestDateCovered;
  return typeof covered === 'string' ? parseSalesforceDateTime(covered).getTime() : undefined;
}

const isSet = (value: unknown): boolean => value !== null && value !== undefined && value !== '';

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
    const sources: PolledSource[] = [
      {
        source: OPPORTUNITY_CURSOR_SOURCE,
        soql: (since) =>
          `SELECT Id, SystemModstamp, ${this.fingerprintFields.join(', ')} FROM Opportunity WHERE SystemModstamp >= ${since} AND ${linkedOrSync('')} ORDER BY SystemModstamp, Id`,
        opportunityIdOf: (row) => row.Id,
        reason: 'opportunity',
      },
      {
        source: SOLUTION_CURSOR_SOURCE,
        soql: (since) =>
          `SELECT Id, IsDeleted, SystemModstamp, LastModifiedById, ${n.solutionOpportunity}, ${n.solutionId}, ${n.solutionName}, ${n.solutionPublisher} FROM ${n.solutionObject} WHERE SystemModstamp >= ${since} AND ${linkedOrSync(`${parentRelationship}.`)} ORDER BY SystemModstamp, Id`,
        opportunityIdOf: (row) => String(row[n.solutionOpportunity] ?? ''),
        reason: 'solution',
        // Deleted solutions must reach Partner Center too: read the recycle bin as well.
        includeDeleted: true,
      },
      ...(this.options.watchLeads
        ? [
            {
              source: LEAD_CURSOR_SOURCE,
              soql: (since: string) =>
                `SELECT Id, SystemModstamp, LastModifiedById, IsConverted, ConvertedOpportunityId, Status FROM Lead WHERE SystemModstamp >= ${since} AND ${n.leadReferralId} != null ORDER BY SystemModstamp, Id`,
              opportunityIdOf: (row: Row) => row.Id,
              reason: 'lead' as const,
            },
          ]
        : []),
    ];
    const windows = await Promise.all(sources.map((source) => this.windowOf(source)));

    // One Composite call (one API request) reads how far changes are complete and the first page of each
    // source; the coverage subrequest runs first, so a transaction still open then can only commit rows
    // stamped from its start on.
    const nowMs = this.clock.now().getTime();
    const guard = this.options.longTransactionGuard !== false;
    const answers = await this.options.client.composite('poll Salesforce for changes', [
      ...(guard
        ? [
            {
              method: 'GET' as const,
              path: `/sobjects/Opportunity/updated?start=${encodeURIComponent(soqlDateTime(new Date(nowMs - COVERAGE_WINDOW_MS)))}&end=${encodeURIComponent(soqlDateTime(new Date(nowMs)))}`,
              referenceId: 'covered',
            },
          ]
        : []),
      ...windows.map((window, index) => ({
        method: 'GET' as const,
        path: `/${window.source.includeDeleted ? 'queryAll' : 'query'}?q=${encodeURIComponent(window.soql)}`,
        referenceId: `source${index}`,
      })),
    ]);
    const covered = guard ? answers.shift() : undefined;
    const coveredUntilMs = covered ? coverageOf(covered) : undefined;
    const polled = [];
    for (const [index, window] of windows.entries()) {
      const answer = answers[index];
      if (!answer?.ok) throw answer?.error ?? new Error('Salesforce did not answer a change query');
      polled.push(await this.readSource(window, answer.value as QueryPage<Row>, coveredUntilMs));
    }

    const connectorUser = this.options.client.conn.userInfo?.id ?? null;
    const byConnector = (lastModifiedById: unknown) =>
      connectorUser !== null &&
      typeof lastModifiedById === 'string' &&
      lastModifiedById.slice(0, 15) === connectorUser.slice(0, 15);
    const byOpportunity = new Map<string, ChangedOpportunity>();
    const report = (opportunityId: string, reason: ChangeReason, row: FreshRow) => {
      if (!opportunityId) return;
      const mine = byConnector(row.lastModifiedById);
      const existing = byOpportunity.get(opportunityId);
      if (!existing) {
        byOpportunity.set(opportunityId, {
          opportunityId,
          reasons: [reason],
          systemModstamp: row.systemModstamp,
          changedByConnector: mine,
          carriesReferralId: row.carriesReferralId,
        });
        return;
      }
      if (!existing.reasons.includes(reason)) existing.reasons.push(reason);
      existing.carriesReferralId ||= row.carriesReferralId;
      if (row.systemModstamp > existing.systemModstamp) {
        existing.systemModstamp = row.systemModstamp;
        existing.changedByConnector = mine;
      } else if (row.systemModstamp === existing.systemModstamp)
        existing.changedByConnector = existing.changedByConnector && mine;
    };
    for (const [index, { fresh }] of polled.entries()) {
      const reason = sources[index]?.reason ?? 'opportunity';
      for (const change of fresh) report(change.opportunityId, reason, change);
    }

    const changes = [...byOpportunity.values()];
    if (onChanges && changes.length > 0) await onChanges(changes);
    for (const [index, { next }] of polled.entries())
      await cursors.set(connectionId, sources[index]?.source ?? '', serializeChangeCursor(next));
    return { changes, rowsRead: polled.reduce((sum, { rowsRead }) => sum + rowsRead, 0) };
  }

  /** Where a source's next read starts (its stored cursor less the overlap), as the query to run. */
  private async windowOf(source: PolledSource): Promise<SourceWindow> {
    const cursor = parseChangeCursor(
      await this.options.cursors.get(this.options.connectionId, source.source),
    );
    const initialSince = new Date(this.clock.now().getTime() - (this.options.initialLookbackMs ?? 0));
    const since = querySince(cursor, this.overlapMs, initialSince);
    return { source, cursor, since, soql: source.soql(soqlDateTime(since)) };
  }

  private async readSource(
    { source, cursor, since, soql }: SourceWindow,
    firstPage: QueryPage<Row>,
    coveredUntilMs: number | undefined,
  ): Promise<{
    fresh: FreshRow[];
    next: ChangeCursor;
    rowsRead: number;
  }> {
    const opportunityIdOf = source.opportunityIdOf;
    const observed: ObservedRow[] = [];
    const opportunityByKey = new Map<ObservedRow, string>();
    const modifierByKey = new Map<ObservedRow, unknown>();
    const withReferralId = new Set<ObservedRow>();
    for await (const row of this.options.client.rowsFrom<Row>(queryOperation(soql), firstPage)) {
      const item: ObservedRow = {
        id: row.Id,
        systemModstamp: parseSalesforceDateTime(row.SystemModstamp).toISOString(),
        fingerprint: fingerprint(row),
      };
      observed.push(item);
      opportunityByKey.set(item, opportunityIdOf(row));
      modifierByKey.set(item, row['LastModifiedById']);
      if (source.reason === 'opportunity' && isSet(row[this.names.referralId])) withReferralId.add(item);
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
        lastModifiedById: modifierByKey.get(row),
        carriesReferralId: withReferralId.has(row),
      })),
      next,
      rowsRead: observed.length,
    };
  }
}
