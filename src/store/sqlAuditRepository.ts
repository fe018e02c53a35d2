import {
  parseId,
  readId,
  readIdOrNull,
  readInstant,
  readJson,
  readText,
  readTextOrNull,
  toInstant,
  writeJson,
} from './rowValues.ts';
import type { SqlExecutor, SqlValue } from './sqlExecutor.ts';
import { idFilter, sqlWhere } from './sqlWhere.ts';
import type { AuditDirection, AuditEntry, AuditOutcome, AuditRepository, NewAuditEntry } from './store.ts';

const DEFAULT_LIST_LIMIT = 50;

/** Row as the audit table holds it. */
interface AuditRecord {
  id: unknown;
  connection_id: unknown;
  link_id: unknown;
  referral_id: unknown;
  opportunity_id: unknown;
  at: unknown;
  sync_trigger: unknown;
  direction: unknown;
  outcome: unknown;
  changes: unknown;
  error: unknown;
  message: unknown;
}

function toAuditEntry(record: AuditRecord): AuditEntry {
  return {
    id: readId(record.id),
    connectionId: readText(record.connection_id),
    linkId: readIdOrNull(record.link_id),
    referralId: readTextOrNull(record.referral_id),
    opportunityId: readTextOrNull(record.opportunity_id),
    at: readInstant(record.at),
    trigger: readText(record.sync_trigger),
    direction: readText(record.direction) as AuditDirection,
    outcome: readText(record.outcome) as AuditOutcome,
    changes: (readJson(record.changes) ?? []) as AuditEntry['changes'],
    error: readJson(record.error) as AuditEntry['error'],
    message: readText(record.message),
  };
}

export class SqlAuditRepository implements AuditRepository {
  constructor(private readonly db: SqlExecutor) {}

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    let linkId: number | null = null;
    if (entry.linkId !== null) {
      linkId = parseId(entry.linkId);
      if (linkId === null) {
        throw new TypeError(
          `Audit entry names link ${JSON.stringify(entry.linkId)}, which is not a link id from this store.`,
        );
      }
    }
    const at = toInstant(entry.at);
    const changes = writeJson(entry.changes);
    const error = writeJson(entry.error);
    const [record] = await this.db.query<{ id: unknown }>(
      `INSERT INTO audit (connection_id, link_id, referral_id, opportunity_id, at, sync_trigger, direction, outcome,
         changes, error, message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        entry.connectionId,
        linkId,
        entry.referralId,
        entry.opportunityId,
        at,
        entry.trigger,
        entry.direction,
        entry.outcome,
        changes,
        error,
        entry.message,
      ],
    );
    // The row as stored: its id, and the values written (the JSON columns as they read back).
    return {
      id: readId(record!.id),
      connectionId: entry.connectionId,
      linkId: linkId === null ? null : String(linkId),
      referralId: entry.referralId,
      opportunityId: entry.opportunityId,
      at,
      trigger: entry.trigger,
      direction: entry.direction,
      outcome: entry.outcome,
      changes: (readJson(changes) ?? []) as AuditEntry['changes'],
      error: readJson(error) as AuditEntry['error'],
      message: entry.message,
    };
  }

  async list(query: {
    connectionId: string;
    linkId?: string;
    outcome?: AuditOutcome;
    limit?: number;
    beforeId?: string;
  }): Promise<AuditEntry[]> {
    const { where, params } = sqlWhere([
      ['connection_id = ?', query.connectionId],
      ['link_id = ?', idFilter(query.linkId, parseId)],
      ['outcome = ?', query.outcome],
      // Keyset paging on (at, id): stable even when entries share an instant.
      ['(at, id) < (SELECT at, id FROM audit WHERE id = ?)', idFilter(query.beforeId, parseId)],
    ]);
    const records = await this.db.query<AuditRecord>(
      `SELECT * FROM audit ${where} ORDER BY at DESC, id DESC LIMIT ?`,
      [...params, query.limit ?? DEFAULT_LIST_LIMIT],
    );
    return records.map(toAuditEntry);
  }

  async lastAt(query: {
    connectionId: string;
    trigger?: string;
    outcomes?: readonly AuditOutcome[];
    directions?: readonly AuditDirection[];
  }): Promise<string | null> {
    const params: SqlValue[] = [query.connectionId];
    let where = 'connection_id = ?';
    if (query.trigger !== undefined) {
      where += ' AND sync_trigger = ?';
      params.push(query.trigger);
    }
    for (const [column, values] of [
      ['outcome', query.outcomes],
      ['direction', query.directions],
    ] as const) {
      if (values === undefined) continue;
      // An empty list matches nothing.
      where += values.length === 0 ? ' AND 1 = 0' : ` AND ${column} IN (${values.map(() => '?').join(', ')})`;
      params.push(...values);
    }
    const [record] = await this.db.query<{ at: unknown }>(
      `SELECT at FROM audit WHERE ${where} ORDER BY at DESC LIMIT 1`,
      params,
    );
    return record ? readInstant(record.at) : null;
  }
}
