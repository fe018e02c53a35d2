/**
 * The storage port. Two adapters implement it (SQLite via better-sqlite3, Postgres via pg),
 * both proven by one contract suite (test/support/storeContract.ts). Every row carries a connectionId:
 * one deployment can serve several Partner Center tenant <-> Salesforce org pairs.
 *
 * Row types here are distinct from wire types (PcReferral, SfOpportunity) and domain types
 * (CoSellDeal). Only mapping and store code convert between them.
 */

export type LinkState = 'synced' | 'pending' | 'error' | 'conflict' | 'paused';

export interface LinkRow {
  /** Store-assigned id (string, stable). */
  id: string;
  connectionId: string;
  /** Partner Center referral id; null until the referral has been created. */
  referralId: string | null;
  /** Salesforce opportunity (or lead) id; null until the record has been created. */
  opportunityId: string | null;
  /** 'opportunity' or 'lead' — what the Salesforce side of the link is. */
  salesforceObject: 'opportunity' | 'lead';
  engagementId: string | null;
  /** The last state both sides agreed on (canonical JSON), the base of the 3-way merge. */
  base: unknown | null;
  pcETag: string | null;
  sfSystemModstamp: string | null;
  state: LinkState;
  lastError: { code: string; message: string } | null;
  /**
   * The serialization key of the deal's jobs: the key of the job that first recorded the deal, so one deal keeps
   * one key whatever id a later trigger knows. Null on links older than the key (the key is then derived).
   */
  dealKey: string | null;
  /**
   * The changes a sync is writing to the other side: stored before the call, cleared with that sync's audit entry.
   * Left behind when the job died in between; the next sync audits the changes it finds landed.
   */
  pendingWrite: PendingWrite | null;
  createdAt: string;
  updatedAt: string;
}

/** A write under way: when it started and the changes it sends (the audit rows it will record). */
export interface PendingWrite {
  startedAt: string;
  changes: FieldChange[];
}

export type NewLink = Omit<LinkRow, 'id' | 'createdAt' | 'updatedAt' | 'dealKey' | 'pendingWrite'> & {
  dealKey?: string | null;
  pendingWrite?: PendingWrite | null;
};
export type LinkPatch = Partial<Omit<LinkRow, 'id' | 'connectionId' | 'createdAt' | 'updatedAt'>>;

export interface LinkRepository {
  /** Inserts a link. Fails with StoreConflictError when referralId or opportunityId is already linked in this connection. */
  insert(link: NewLink): Promise<LinkRow>;
  update(id: string, patch: LinkPatch): Promise<LinkRow>;
  get(id: string): Promise<LinkRow | null>;
  findByReferralId(connectionId: string, referralId: string): Promise<LinkRow | null>;
  findByOpportunityId(connectionId: string, opportunityId: string): Promise<LinkRow | null>;
  list(query: {
    connectionId: string;
    state?: LinkState;
    limit?: number;
    afterId?: string;
  }): Promise<LinkRow[]>;
  countByState(connectionId: string): Promise<Record<LinkState, number>>;
  /** Forgets a link (its audit entries stay, without the link id); false when there was none. */
  delete(id: string): Promise<boolean>;
}

export type AuditDirection = 'toSalesforce' | 'toPartnerCenter' | 'both' | 'none';
export type AuditOutcome = 'ok' | 'noop' | 'error' | 'conflict' | 'dry_run' | 'skipped';

export interface FieldChange {
  field: string;
  side: 'salesforce' | 'partnerCenter';
  before: unknown;
  after: unknown;
}

export interface AuditEntry {
  id: string;
  connectionId: string;
  linkId: string | null;
  referralId: string | null;
  opportunityId: string | null;
  at: string;
  /** What caused this sync: webhook, poll, reconcile, backfill, retry, cli … */
  trigger: string;
  direction: AuditDirection;
  outcome: AuditOutcome;
  changes: FieldChange[];
  error: { code: string; message: string } | null;
  /** Free-form human summary, e.g. "Created opportunity 006… from referral …". */
  message: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface AuditRepository {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first. */
  list(query: {
    connectionId: string;
    linkId?: string;
    outcome?: AuditOutcome;
    limit?: number;
    beforeId?: string;
  }): Promise<AuditEntry[]>;
  /** The instant of the newest entry that matches every filter given; null when none does. */
  lastAt(query: {
    connectionId: string;
    trigger?: string;
    outcomes?: readonly AuditOutcome[];
    directions?: readonly AuditDirection[];
  }): Promise<string | null>;
}

export interface InboxRow {
  id: string;
  connectionId: string;
  /** sha256 of the raw body: Partner Center sends no event id. */
  dedupKey: string;
  receivedAt: string;
  eventName: string;
  resourceId: string | null;
  body: string;
  processedAt: string | null;
}

export interface InboxRepository {
  /** Stores a delivery unless its dedupKey is already there (then inserted is false). */
  insertIfNew(row: Omit<InboxRow, 'id' | 'processedAt'>): Promise<{ inserted: boolean; row: InboxRow }>;
  /**
   * insertIfNew for several deliveries in one statement (results in order); of two with one dedupKey, the first
   * is inserted and the second is its duplicate.
   */
  insertManyIfNew(
    rows: readonly Omit<InboxRow, 'id' | 'processedAt'>[],
  ): Promise<{ inserted: boolean; row: InboxRow }[]>;
  listUnprocessed(connectionId: string, limit: number): Promise<InboxRow[]>;
  markProcessed(id: string, at: string): Promise<void>;
  /** When the newest stored delivery for the connection arrived; null when none is stored. */
  lastReceivedAt(connectionId: string): Promise<string | null>;
  /** Deletes processed rows received before the instant; returns how many. */
  prune(receivedBefore: string): Promise<number>;
}

export interface CursorRepository {
  get(connectionId: string, source: string): Promise<string | null>;
  set(connectionId: string, source: string, value: string): Promise<void>;
}

export interface DeadLetterRow {
  id: string;
  connectionId: string | null;
  jobName: string;
  jobKey: string;
  payload: unknown;
  attempts: number;
  errorKind: string;
  errorMessage: string;
  failedAt: string;
}

export interface DeadLetterRepository {
  add(row: Omit<DeadLetterRow, 'id'>): Promise<DeadLetterRow>;
  list(query: { connectionId?: string; limit?: number }): Promise<DeadLetterRow[]>;
  get(id: string): Promise<DeadLetterRow | null>;
  remove(id: string): Promise<boolean>;
}

export interface SecretRepository {
  /** Stores an already-encrypted value (see secretBox.ts); the store never sees plaintext. */
  put(connectionId: string, name: string, ciphertext: string): Promise<void>;
  get(connectionId: string, name: string): Promise<string | null>;
  delete(connectionId: string, name: string): Promise<void>;
  listNames(connectionId: string): Promise<string[]>;
  /**
   * Replaces a ciphertext only if it is still `expected` (compare-and-set); false when another process
   * changed or deleted it meanwhile.
   */
  replace(connectionId: string, name: string, expected: string, ciphertext: string): Promise<boolean>;
  /** Every stored ciphertext of every connection (key rotation reads them all). */
  listAll(): Promise<StoredSecret[]>;
}

export interface StoredSecret {
  connectionId: string;
  name: string;
  ciphertext: string;
}

export type ConnectionState = 'active' | 'paused';

export interface ConnectionRow {
  id: string;
  name: string;
  state: ConnectionState;
  /** Why the connection is paused, e.g. "Partner Center sign-in expired: run cosell connect partner-center". */
  pausedReason: string | null;
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionRepository {
  upsert(
    row: Pick<ConnectionRow, 'id' | 'name'> &
      Partial<Pick<ConnectionRow, 'state' | 'pausedReason' | 'settings'>>,
  ): Promise<ConnectionRow>;
  get(id: string): Promise<ConnectionRow | null>;
  list(): Promise<ConnectionRow[]>;
  setState(id: string, state: ConnectionState, pausedReason: string | null): Promise<void>;
}

/** How the deal list is ordered (ties broken by link id). */
export const dealSortKeys = ['name', 'account', 'amount', 'state', 'lastSyncAt', 'updatedAt'] as const;
export type DealSortKey = (typeof dealSortKeys)[number];

/** A link-state filter, or `attention` (error, conflict or dead-lettered) or `deadLettered`. */
export type DealStateFilter = LinkState | 'attention' | 'deadLettered';

export interface DealSearchQuery {
  connectionId: string;
  /** Only these links. */
  linkIds?: readonly string[];
  /** Matches (case-insensitive, anywhere) the deal name, the customer account, the referral id or the opportunity id. */
  text?: string;
  state?: DealStateFilter;
  /** The deal's referral direction in its base snapshot. */
  direction?: 'Incoming' | 'Outgoing';
  /** The trigger of the deal's last sync (webhook, poll, reconcile, retry, cli …). */
  trigger?: string;
  /** Last sync at or after / before these instants. */
  syncedFrom?: string;
  syncedBefore?: string;
  sort?: DealSortKey;
  descending?: boolean;
  limit?: number;
  offset?: number;
}

/** One deal of the list: its link, its last sync (newest audit entry that was not a dry run) and a live dead letter. */
export interface DealListRow {
  link: LinkRow;
  lastSyncAt: string | null;
  lastTrigger: string | null;
  /**
   * The newest dead-lettered sync job of this deal that failed after its last successful sync, or null: such a deal
   * is not synced, whatever its link state says.
   */
  deadLetterId: string | null;
}

export interface DealSearchPage {
  rows: DealListRow[];
  /** How many deals match the filters (all pages). */
  total: number;
}

/** Syncs in one hour (audit entries that were not dry runs), by outcome. */
export interface ActivityBucket {
  /** Start of the hour, ISO-8601 UTC. */
  hourStartAt: string;
  ok: number;
  errors: number;
  other: number;
}

export interface ActivitySummary {
  buckets: ActivityBucket[];
  /** Audit entries since the instant by trigger (webhook, poll, reconcile, retry, cli …). */
  byTrigger: Record<string, number>;
}

/** Read-only queries across tables for the dashboard. */
export interface ReportRepository {
  searchDeals(query: DealSearchQuery): Promise<DealSearchPage>;
  /** Sync activity since the instant, in hourly buckets (only hours with entries). */
  activity(connectionId: string, since: string): Promise<ActivitySummary>;
  /** When each cursor last moved (the Salesforce poll and the Partner Center reconcile write theirs every run). */
  cursorUpdates(connectionId: string): Promise<{ source: string; updatedAt: string }[]>;
  /** When the newest webhook delivery was received, or null. */
  lastWebhookAt(connectionId: string): Promise<string | null>;
}

/**
 * One alert incident: a condition (connection paused, dead letters, API budget, webhook silence) from the
 * moment it was seen until it cleared. At most one incident of a kind is open per connection.
 */
export interface IncidentRow {
  id: string;
  connectionId: string;
  /** Which condition, e.g. `connection_paused`. */
  kind: string;
  /** One line: what is wrong. */
  title: string;
  /** What was seen, with numbers (updated while the incident is open). */
  summary: string;
  /** What to do about it. */
  fix: string;
  /** The readings behind the summary, e.g. `{ used, max }`. */
  facts: Record<string, unknown>;
  openedAt: string;
  /** The last evaluation that still saw the condition. */
  lastSeenAt: string;
  closedAt: string | null;
  /** Per notification destination name: when the opening and the recovery message were delivered. */
  notifications: Record<string, IncidentNotifications>;
}

export interface IncidentNotifications {
  openedAt?: string;
  resolvedAt?: string;
}

export type NewIncident = Pick<
  IncidentRow,
  'connectionId' | 'kind' | 'title' | 'summary' | 'fix' | 'facts' | 'openedAt'
>;

export interface IncidentRepository {
  /** Opens an incident. Fails with StoreConflictError when one of the same kind is already open for the connection. */
  open(incident: NewIncident): Promise<IncidentRow>;
  /** Updates what an open incident says and when it was last seen. */
  refresh(
    id: string,
    patch: Pick<IncidentRow, 'title' | 'summary' | 'fix' | 'facts' | 'lastSeenAt'>,
  ): Promise<IncidentRow>;
  /** Closes the incident at the instant (no-op when it is already closed). */
  close(id: string, closedAt: string): Promise<IncidentRow>;
  /** Records that a destination received the opening or recovery message. */
  markNotified(
    id: string,
    destination: string,
    event: 'opened' | 'resolved',
    at: string,
  ): Promise<IncidentRow>;
  listOpen(connectionId: string): Promise<IncidentRow[]>;
  /** Open incidents and those closed at or after `closedSince`, newest opened first. */
  listRecent(query: { connectionId: string; closedSince: string; limit?: number }): Promise<IncidentRow[]>;
}

export interface SyncOutcomeRow {
  id: string;
  outcome: unknown;
}

/** What each deal sync of a `cosell sync` run did, recorded by whichever worker ran it. */
export interface SyncOutcomeRepository {
  record(runId: string, connectionId: string, outcome: unknown): Promise<void>;
  /** Oldest first, after the given row id. */
  list(runId: string, afterId?: string): Promise<SyncOutcomeRow[]>;
  prune(runId: string): Promise<void>;
}

export type DashboardSessionKind = 'sign_in' | 'session';

export interface DashboardSessionRow {
  /** SHA-256 of the value in the browser's cookie (the value itself is never stored). */
  idHash: string;
  connectionId: string;
  /** sign_in: a "Sign in with Microsoft" on its way (state, nonce, PKCE verifier); session: a signed-in browser. */
  kind: DashboardSessionKind;
  data: unknown;
  createdAt: string;
  expiresAt: string;
}

/** The dashboard's server-side sign-ins; whoever holds the cookie is signed in until the row expires or goes. */
export interface DashboardSessionRepository {
  insert(row: DashboardSessionRow): Promise<void>;
  /** The row, expired or not (the caller checks expiresAt). */
  get(idHash: string): Promise<DashboardSessionRow | null>;
  /** False when there was no such row (already used, signed out or purged). */
  delete(idHash: string): Promise<boolean>;
  /** Removes rows that expired at or before `now`; returns how many. */
  deleteExpired(now: string): Promise<number>;
}

export interface StoreRepositories {
  links: LinkRepository;
  syncOutcomes: SyncOutcomeRepository;
  audit: AuditRepository;
  inbox: InboxRepository;
  cursors: CursorRepository;
  deadLetters: DeadLetterRepository;
  secrets: SecretRepository;
  connections: ConnectionRepository;
  reports: ReportRepository;
  incidents: IncidentRepository;
  dashboardSessions: DashboardSessionRepository;
}

export interface Store extends StoreRepositories {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs fn in one transaction (SQLite: BEGIN IMMEDIATE). Commits when fn resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: StoreRepositories) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A uniqueness rule was violated (e.g. a referral or opportunity already linked). */
export class StoreConflictError extends Error {
  readonly kind = 'conflict' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreConflictError';
  }
}
