import {
  parseId,
  readId,
  readInstant,
  readInstantOrNull,
  readJson,
  readText,
  toInstant,
  writeJson,
} from './rowValues.ts';
import type { SqlExecutor } from './sqlExecutor.ts';
import {
  type IncidentNotifications,
  type IncidentRepository,
  type IncidentRow,
  type NewIncident,
  StoreConflictError,
} from './store.ts';

const DEFAULT_LIST_LIMIT = 50;

/** Row as the incident table holds it. */
interface IncidentRecord {
  id: unknown;
  connection_id: unknown;
  kind: unknown;
  title: unknown;
  summary: unknown;
  fix: unknown;
  facts: unknown;
  opened_at: unknown;
  last_seen_at: unknown;
  closed_at: unknown;
  notifications: unknown;
}

function toIncidentRow(record: IncidentRecord): IncidentRow {
  return {
    id: readId(record.id),
    connectionId: readText(record.connection_id),
    kind: readText(record.kind),
    title: readText(record.title),
    summary: readText(record.summary),
    fix: readText(record.fix),
    facts: (readJson(record.facts) ?? {}) as Record<string, unknown>,
    openedAt: readInstant(record.opened_at),
    lastSeenAt: readInstant(record.last_seen_at),
    closedAt: readInstantOrNull(record.closed_at),
    notifications: (readJson(record.notifications) ?? {}) as Record<string, IncidentNotifications>,
  };
}

export class SqlIncidentRepository implements IncidentRepository {
  constructor(private readonly db: SqlExecutor) {}

  async open(incident: NewIncident): Promise<IncidentRow> {
    try {
      const [record] = await this.db.query<IncidentRecord>(
        `INSERT INTO incident (connection_id, kind, title, summary, fix, facts, opened_at, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          incident.connectionId,
          incident.kind,
          incident.title,
          incident.summary,
          incident.fix,
          writeJson(incident.facts),
          toInstant(incident.openedAt),
          toInstant(incident.openedAt),
        ],
        { mayConflict: true },
      );
      return toIncidentRow(record!);
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      throw new StoreConflictError(
        `An incident of kind ${incident.kind} is already open for connection ${incident.connectionId}: refresh or close it instead.`,
        { cause: error },
      );
    }
  }

  async refresh(
    id: string,
    patch: Pick<IncidentRow, 'title' | 'summary' | 'fix' | 'facts' | 'lastSeenAt'>,
  ): Promise<IncidentRow> {
    return this.updateOne(id, 'title = ?, summary = ?, fix = ?, facts = ?, last_seen_at = ?', [
      patch.title,
      patch.summary,
      patch.fix,
      writeJson(patch.facts),
      toInstant(patch.lastSeenAt),
    ]);
  }

  async close(id: string, closedAt: string): Promise<IncidentRow> {
    return this.updateOne(id, 'closed_at = COALESCE(closed_at, ?)', [toInstant(closedAt)]);
  }

  async markNotified(
    id: string,
    destination: string,
    event: 'opened' | 'resolved',
    at: string,
  ): Promise<IncidentRow> {
    const incident = await this.get(id);
    const notifications = { ...incident.notifications };
    notifications[destination] = {
      ...notifications[destination],
      [event === 'opened' ? 'openedAt' : 'resolvedAt']: toInstant(at),
    };
    return this.updateOne(id, 'notifications = ?', [writeJson(notifications)]);
  }

  async listOpen(connectionId: string): Promise<IncidentRow[]> {
    const records = await this.db.query<IncidentRecord>(
      'SELECT * FROM incident WHERE connection_id = ? AND closed_at IS NULL ORDER BY opened_at DESC, id DESC',
      [connectionId],
    );
    return records.map(toIncidentRow);
  }

  async listRecent(query: {
    connectionId: string;
    closedSince: string;
    limit?: number;
  }): Promise<IncidentRow[]> {
    const records = await this.db.query<IncidentRecord>(
      `SELECT * FROM incident WHERE connection_id = ? AND (closed_at IS NULL OR closed_at >= ?)
       ORDER BY opened_at DESC, id DESC LIMIT ?`,
      [query.connectionId, toInstant(query.closedSince), query.limit ?? DEFAULT_LIST_LIMIT],
    );
    return records.map(toIncidentRow);
  }

  private async get(id: string): Promise<IncidentRow> {
    const numericId = parseId(id);
    const [record] =
      numericId === null
        ? []
        : await this.db.query<IncidentRecord>('SELECT * FROM incident WHERE id = ?', [numericId]);
    if (!record)
      throw new Error(`Incident ${id} does not exist: it may belong to another store or database.`);
    return toIncidentRow(record);
  }

  private async updateOne(
    id: string,
    assignments: string,
    params: (string | number | null)[],
  ): Promise<IncidentRow> {
    const numericId = parseId(id);
    const [record] =
      numericId === null
        ? []
        : await this.db.query<IncidentRecord>(`UPDATE incident SET ${assignments} WHERE id = ? RETURNING *`, [
            ...params,
            numericId,
          ]);
    if (!record)
      throw new Error(`Incident ${id} does not exist: it may belong to another store or database.`);
    return toIncidentRow(record);
  }
}
