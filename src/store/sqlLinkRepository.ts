import type { Clock } from '../shared/clock.ts';
import {
  parseId,
  readId,
  readInstant,
  readJson,
  readText,
  readTextOrNull,
  toInstant,
  writeJson,
} from './rowValues.ts';
import type { SqlExecutor, SqlValue } from './sqlExecutor.ts';
import { sqlWhere } from './sqlWhere.ts';
import {
  type LinkPatch,
  type LinkRepository,
  type LinkRow,
  type LinkState,
  type NewLink,
  StoreConflictError,
} from './store.ts';

const LINK_STATES: readonly LinkState[] = ['synced', 'pending', 'error', 'conflict', 'paused'];
const DEFAULT_LIST_LIMIT = 100;

/** Row as the link table holds it. */
export interface LinkRecord {
  id: unknown;
  connection_id: unknown;
  referral_id: unknown;
  opportunity_id: unknown;
  salesforce_object: unknown;
  engagement_id: unknown;
  base: unknown;
  pc_etag: unknown;
  sf_system_modstamp: unknown;
  state: unknown;
  last_error: unknown;
  deal_key: unknown;
  pending_write: unknown;
  created_at: unknown;
  updated_at: unknown;
}

/** LinkPatch field -> column and how its value is written. */
const PATCH_COLUMNS: { [K in keyof Required<LinkPatch>]: [string, (value: LinkPatch[K]) => SqlValue] } = {
  referralId: ['referral_id', (v) => v ?? null],
  opportunityId: ['opportunity_id', (v) => v ?? null],
  salesforceObject: ['salesforce_object', (v) => v ?? 'opportunity'],
  engagementId: ['engagement_id', (v) => v ?? null],
  base: ['base', writeJson],
  pcETag: ['pc_etag', (v) => v ?? null],
  sfSystemModstamp: ['sf_system_modstamp', (v) => v ?? null],
  state: ['state', (v) => v ?? 'pending'],
  lastError: ['last_error', writeJson],
  dealKey: ['deal_key', (v) => v ?? null],
  pendingWrite: ['pending_write', writeJson],
};

export function toLinkRow(record: LinkRecord): LinkRow {
  return {
    id: readId(record.id),
    connectionId: readText(record.connection_id),
    referralId: readTextOrNull(record.referral_id),
    opportunityId: readTextOrNull(record.opportunity_id),
    salesforceObject: readText(record.salesforce_object) as LinkRow['salesforceObject'],
    engagementId: readTextOrNull(record.engagement_id),
    base: readJson(record.base),
    pcETag: readTextOrNull(record.pc_etag),
    sfSystemModstamp: readTextOrNull(record.sf_system_modstamp),
    state: readText(record.state) as LinkState,
    lastError: readJson(record.last_error) as LinkRow['lastError'],
    dealKey: readTextOrNull(record.deal_key),
    pendingWrite: (readJson(record.pending_write) ?? null) as LinkRow['pendingWrite'],
    createdAt: readInstant(record.created_at),
    updatedAt: readInstant(record.updated_at),
  };
}

/** Turns a driver's generic uniqueness failure into one that says which id is taken. */
function describeLinkConflict(
  error: unknown,
  connectionId: string,
  ids: { referralId?: string | null | undefined; opportunityId?: string | null | undefined },
): unknown {
  if (!(error instanceof StoreConflictError)) return error;
  const detail = `${error.message} ${String((error.cause as { constraint?: unknown } | undefined)?.constraint ?? '')}`;
  const which = detail.includes('opportunity_id')
    ? `Opportunity ${ids.opportunityId} is already linked to a referral`
    : `Referral ${ids.referralId} is already linked to an opportunity`;
  return new StoreConflictError(
    `${which} in connection ${connectionId}: load the existing link (findByReferralId / findByOpportunityId) and update it instead of creating another.`,
    { cause: error },
  );
}

export class SqlLinkRepository implements LinkRepository {
  constructor(
    private readonly db: SqlExecutor,
    private readonly clock: Clock,
  ) {}

  async insert(link: NewLink): Promise<LinkRow> {
    const now = toInstant(this.clock.now());
    try {
      const [record] = await this.db.query<LinkRecord>(
        `INSERT INTO link (connection_id, referral_id, opportunity_id, salesforce_object, engagement_id, base,
           pc_etag, sf_system_modstamp, state, last_error, deal_key, pending_write, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          link.connectionId,
          link.referralId,
          link.opportunityId,
          link.salesforceObject,
          link.engagementId,
          writeJson(link.base),
          link.pcETag,
          link.sfSystemModstamp,
          link.state,
          writeJson(link.lastError),
          link.dealKey ?? null,
          writeJson(link.pendingWrite ?? null),
          now,
          now,
        ],
        { mayConflict: true },
      );
      return toLinkRow(record!);
    } catch (error) {
      throw describeLinkConflict(error, link.connectionId, link);
    }
  }

  async update(id: string, patch: LinkPatch): Promise<LinkRow> {
    const assignments: string[] = [];
    const params: SqlValue[] = [];
    for (const [field, [column, write]] of Object.entries(PATCH_COLUMNS) as [
      keyof LinkPatch,
      [string, (value: unknown) => SqlValue],
    ][]) {
      if (!(field in patch) || patch[field] === undefined) continue;
      assignments.push(`${column} = ?`);
      params.push(write(patch[field]));
    }
    assignments.push('updated_at = ?');
    params.push(toInstant(this.clock.now()));
    const numericId = parseId(id);
    let records: LinkRecord[] = [];
    try {
      if (numericId !== null) {
        records = await this.db.query<LinkRecord>(
          `UPDATE link SET ${assignments.join(', ')} WHERE id = ? RETURNING *`,
          [...params, numericId],
          { mayConflict: true },
        );
      }
    } catch (error) {
      const existing = await this.get(id);
      throw describeLinkConflict(error, existing?.connectionId ?? '(unknown)', patch);
    }
    const record = records[0];
    if (!record) throw new Error(`Link ${id} does not exist: it may belong to another store or database.`);
    return toLinkRow(record);
  }

  async delete(id: string): Promise<boolean> {
    const numericId = parseId(id);
    if (numericId === null) return false;
    return (await this.db.execute('DELETE FROM link WHERE id = ?', [numericId])) > 0;
  }

  async get(id: string): Promise<LinkRow | null> {
    const numericId = parseId(id);
    if (numericId === null) return null;
    const [record] = await this.db.query<LinkRecord>('SELECT * FROM link WHERE id = ?', [numericId]);
    return record ? toLinkRow(record) : null;
  }

  async findByReferralId(connectionId: string, referralId: string): Promise<LinkRow | null> {
    const [record] = await this.db.query<LinkRecord>(
      'SELECT * FROM link WHERE connection_id = ? AND referral_id = ?',
      [connectionId, referralId],
    );
    return record ? toLinkRow(record) : null;
  }

  async findByOpportunityId(connectionId: string, opportunityId: string): Promise<LinkRow | null> {
    const [record] = await this.db.query<LinkRecord>(
      'SELECT * FROM link WHERE connection_id = ? AND opportunity_id = ?',
      [connectionId, opportunityId],
    );
    return record ? toLinkRow(record) : null;
  }

  async list(query: {
    connectionId: string;
    state?: LinkState;
    limit?: number;
    afterId?: string;
  }): Promise<LinkRow[]> {
    const { where, params } = sqlWhere([
      ['connection_id = ?', query.connectionId],
      ['state = ?', query.state],
      // An id the store never assigned sorts after every real one: the page is empty.
      [
        'id > ?',
        query.afterId === undefined ? undefined : (parseId(query.afterId) ?? Number.MAX_SAFE_INTEGER),
      ],
    ]);
    const records = await this.db.query<LinkRecord>(`SELECT * FROM link ${where} ORDER BY id LIMIT ?`, [
      ...params,
      query.limit ?? DEFAULT_LIST_LIMIT,
    ]);
    return records.map(toLinkRow);
  }

  async countByState(connectionId: string): Promise<Record<LinkState, number>> {
    const counts = Object.fromEntries(LINK_STATES.map((state) => [state, 0])) as Record<LinkState, number>;
    const records = await this.db.query<{ state: unknown; n: unknown }>(
      'SELECT state, COUNT(*) AS n FROM link WHERE connection_id = ? GROUP BY state',
      [connectionId],
    );
    for (const record of records) counts[readText(record.state) as LinkState] = Number(record.n);
    return counts;
  }
}
