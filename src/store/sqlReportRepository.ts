/**
 * The dashboard's read queries, across links, audit entries, dead letters, cursors and the inbox. One SQL text
 * for both dialects except the JSON and hour expressions, which each dialect spells its own way.
 */
import {
  parseId,
  readIdOrNull,
  readInstant,
  readInstantOrNull,
  readText,
  readTextOrNull,
} from './rowValues.ts';
import type { SqlDriver, SqlExecutor, SqlValue } from './sqlExecutor.ts';
import { type LinkRecord, toLinkRow } from './sqlLinkRepository.ts';
import type {
  ActivitySummary,
  DealListRow,
  DealSearchPage,
  DealSearchQuery,
  DealSortKey,
  ReportRepository,
} from './store.ts';

type Dialect = SqlDriver['dialect'];

const DEFAULT_PAGE_SIZE = 50;

/** A text value inside a JSON column, e.g. `base` → `customer` → `name`. */
function jsonText(dialect: Dialect, column: string, path: readonly string[]): string {
  if (dialect === 'sqlite') return `json_extract(${column}, '$.${path.join('.')}')`;
  const parents = path.slice(0, -1).map((key) => `->'${key}'`);
  return `(${column}${parents.join('')}->>'${path[path.length - 1]}')`;
}

/** Text compared byte-wise on both dialects, so both sort names the same way. */
const binary = (dialect: Dialect, sql: string): string =>
  dialect === 'postgres' ? `${sql} COLLATE "C"` : sql;

/** Sort column per key; ties are broken by link id. */
function sortColumn(dialect: Dialect, key: DealSortKey): string {
  switch (key) {
    case 'name':
      return binary(dialect, 'lower(deal_name)');
    case 'account':
      return binary(dialect, 'lower(account_name)');
    case 'amount':
      return 'deal_value';
    case 'state':
      return 'state';
    case 'lastSyncAt':
      return 'last_sync_at';
    case 'updatedAt':
      return 'updated_at';
  }
}

/** `%text%` for LIKE, with the wildcards in the text matched literally (escape character `!`). */
const likeAnywhere = (text: string): string =>
  `%${text.toLowerCase().replace(/[!%_]/g, (char) => `!${char}`)}%`;

interface DealRecord extends LinkRecord {
  last_sync_at: unknown;
  last_trigger: unknown;
  dead_letter_id: unknown;
}

export class SqlReportRepository implements ReportRepository {
  constructor(
    private readonly db: SqlExecutor,
    private readonly dialect: Dialect,
  ) {}

  /**
   * Every deal of the connection with its derived columns: name, account, amount and direction from the base
   * snapshot, the last sync from the audit trail, and a dead letter newer than the last successful sync.
   */
  private dealsSql(): string {
    const d = this.dialect;
    const dealValue =
      d === 'postgres'
        ? `(${jsonText(d, 'l.base', ['dealValue'])})::numeric`
        : jsonText(d, 'l.base', ['dealValue']);
    const lastEntry = (column: string) =>
      `(SELECT a.${column} FROM audit a WHERE a.link_id = l.id AND a.outcome <> 'dry_run' ORDER BY a.at DESC, a.id DESC LIMIT 1)`;
    const withSyncs = `SELECT l.*,
        ${jsonText(d, 'l.base', ['name'])} AS deal_name,
        ${jsonText(d, 'l.base', ['customer', 'name'])} AS account_name,
        ${dealValue} AS deal_value,
        ${jsonText(d, 'l.base', ['direction'])} AS deal_direction,
        ${lastEntry('at')} AS last_sync_at,
        ${lastEntry('sync_trigger')} AS last_trigger,
        (SELECT MAX(a.at) FROM audit a WHERE a.link_id = l.id AND a.outcome IN ('ok', 'noop')) AS last_ok_at
      FROM link l WHERE l.connection_id = ?`;
    return `SELECT s.*,
        (SELECT dl.id FROM dead_letter dl
          WHERE dl.connection_id = s.connection_id
            AND ((s.referral_id IS NOT NULL AND ${jsonText(d, 'dl.payload', ['referralId'])} = s.referral_id)
              OR (s.opportunity_id IS NOT NULL AND ${jsonText(d, 'dl.payload', ['opportunityId'])} = s.opportunity_id))
            AND (s.last_ok_at IS NULL OR dl.failed_at > s.last_ok_at)
          ORDER BY dl.failed_at DESC, dl.id DESC LIMIT 1) AS dead_letter_id
      FROM (${withSyncs}) s`;
  }

  async searchDeals(query: DealSearchQuery): Promise<DealSearchPage> {
    const conditions: string[] = [];
    const params: SqlValue[] = [];
    if (query.linkIds !== undefined) {
      // An id the store never assigned matches nothing (-1).
      const ids = query.linkIds.map((id) => parseId(id) ?? -1);
      conditions.push(ids.length === 0 ? '1 = 0' : `id IN (${ids.map(() => '?').join(', ')})`);
      params.push(...ids);
    }
    const text = query.text?.trim();
    if (text) {
      const columns = ['deal_name', 'account_name', 'referral_id', 'opportunity_id'];
      conditions.push(`(${columns.map((column) => `lower(${column}) LIKE ? ESCAPE '!'`).join(' OR ')})`);
      params.push(...columns.map(() => likeAnywhere(text)));
    }
    if (query.state === 'deadLettered') conditions.push('dead_letter_id IS NOT NULL');
    else if (query.state === 'attention')
      conditions.push("(state IN ('error', 'conflict') OR dead_letter_id IS NOT NULL)");
    else if (query.state) {
      conditions.push('state = ?');
      params.push(query.state);
    }
    const equal = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      conditions.push(`${column} = ?`);
      params.push(value);
    };
    equal('deal_direction', query.direction);
    equal('last_trigger', query.trigger);
    if (query.syncedFrom !== undefined) {
      conditions.push('last_sync_at >= ?');
      params.push(new Date(query.syncedFrom).toISOString());
    }
    if (query.syncedBefore !== undefined) {
      conditions.push('last_sync_at < ?');
      params.push(new Date(query.syncedBefore).toISOString());
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const from = `FROM (${this.dealsSql()}) deals ${where}`;
    const baseParams: SqlValue[] = [query.connectionId, ...params];

    const column = sortColumn(this.dialect, query.sort ?? 'updatedAt');
    const direction = query.descending ? 'DESC' : 'ASC';
    const [records, [count]] = await Promise.all([
      this.db.query<DealRecord>(
        `SELECT * ${from} ORDER BY (${column}) IS NULL, ${column} ${direction}, id ${direction} LIMIT ? OFFSET ?`,
        [...baseParams, query.limit ?? DEFAULT_PAGE_SIZE, query.offset ?? 0],
      ),
      this.db.query<{ n: unknown }>(`SELECT COUNT(*) AS n ${from}`, baseParams),
    ]);
    const rows = records.map(
      (record): DealListRow => ({
        link: toLinkRow(record),
        lastSyncAt: readInstantOrNull(record.last_sync_at),
        lastTrigger: readTextOrNull(record.last_trigger),
        deadLetterId: readIdOrNull(record.dead_letter_id),
      }),
    );
    return { rows, total: Number(count?.n ?? 0) };
  }

  async activity(connectionId: string, since: string): Promise<ActivitySummary> {
    const hour =
      this.dialect === 'sqlite' ? 'substr(at, 1, 13)' : `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24')`;
    const sinceAt = new Date(since).toISOString();
    const [hours, triggers] = await Promise.all([
      this.db.query<{ hour: unknown; ok: unknown; errors: unknown; total: unknown }>(
        `SELECT ${hour} AS hour,
           SUM(CASE WHEN outcome IN ('ok', 'noop') THEN 1 ELSE 0 END) AS ok,
           SUM(CASE WHEN outcome IN ('error', 'conflict') THEN 1 ELSE 0 END) AS errors,
           COUNT(*) AS total
         FROM audit WHERE connection_id = ? AND at >= ? AND outcome <> 'dry_run'
         GROUP BY ${hour} ORDER BY 1`,
        [connectionId, sinceAt],
      ),
      this.db.query<{ sync_trigger: unknown; n: unknown }>(
        `SELECT sync_trigger, COUNT(*) AS n FROM audit
         WHERE connection_id = ? AND at >= ? AND outcome <> 'dry_run' GROUP BY sync_trigger`,
        [connectionId, sinceAt],
      ),
    ]);
    return {
      buckets: hours.map((row) => {
        const ok = Number(row.ok);
        const errors = Number(row.errors);
        return {
          hourStartAt: `${readText(row.hour)}:00:00.000Z`,
          ok,
          errors,
          other: Number(row.total) - ok - errors,
        };
      }),
      byTrigger: Object.fromEntries(triggers.map((row) => [readText(row.sync_trigger), Number(row.n)])),
    };
  }

  async cursorUpdates(connectionId: string): Promise<{ source: string; updatedAt: string }[]> {
    const records = await this.db.query<{ source: unknown; updated_at: unknown }>(
      'SELECT source, updated_at FROM cursor WHERE connection_id = ? ORDER BY source',
      [connectionId],
    );
    return records.map((record) => ({
      source: readText(record.source),
      updatedAt: readInstant(record.updated_at),
    }));
  }

  async lastWebhookAt(connectionId: string): Promise<string | null> {
    const [record] = await this.db.query<{ at: unknown }>(
      'SELECT MAX(received_at) AS at FROM inbox WHERE connection_id = ?',
      [connectionId],
    );
    return readInstantOrNull(record?.at);
  }
}
