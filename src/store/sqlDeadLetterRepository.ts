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
import type { SqlExecutor } from './sqlExecutor.ts';
import { sqlWhere } from './sqlWhere.ts';
import type { DeadLetterRepository, DeadLetterRow } from './store.ts';

const DEFAULT_LIST_LIMIT = 100;

/** Row as the dead_letter table holds it. */
interface DeadLetterRecord {
  id: unknown;
  connection_id: unknown;
  job_name: unknown;
  job_key: unknown;
  payload: unknown;
  attempts: unknown;
  error_kind: unknown;
  error_message: unknown;
  failed_at: unknown;
}

function toDeadLetterRow(record: DeadLetterRecord): DeadLetterRow {
  return {
    id: readId(record.id),
    connectionId: readTextOrNull(record.connection_id),
    jobName: readText(record.job_name),
    jobKey: readText(record.job_key),
    payload: readJson(record.payload),
    attempts: Number(record.attempts),
    errorKind: readText(record.error_kind),
    errorMessage: readText(record.error_message),
    failedAt: readInstant(record.failed_at),
  };
}

export class SqlDeadLetterRepository implements DeadLetterRepository {
  constructor(private readonly db: SqlExecutor) {}

  async add(row: Omit<DeadLetterRow, 'id'>): Promise<DeadLetterRow> {
    const [record] = await this.db.query<DeadLetterRecord>(
      `INSERT INTO dead_letter (connection_id, job_name, job_key, payload, attempts, error_kind, error_message, failed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      [
        row.connectionId,
        row.jobName,
        row.jobKey,
        writeJson(row.payload),
        row.attempts,
        row.errorKind,
        row.errorMessage,
        toInstant(row.failedAt),
      ],
    );
    return toDeadLetterRow(record!);
  }

  /** Newest first. */
  async list(query: { connectionId?: string; limit?: number }): Promise<DeadLetterRow[]> {
    const { where, params } = sqlWhere([['connection_id = ?', query.connectionId]]);
    const records = await this.db.query<DeadLetterRecord>(
      `SELECT * FROM dead_letter ${where} ORDER BY id DESC LIMIT ?`,
      [...params, query.limit ?? DEFAULT_LIST_LIMIT],
    );
    return records.map(toDeadLetterRow);
  }

  async get(id: string): Promise<DeadLetterRow | null> {
    const numericId = parseId(id);
    if (numericId === null) return null;
    const [record] = await this.db.query<DeadLetterRecord>('SELECT * FROM dead_letter WHERE id = ?', [
      numericId,
    ]);
    return record ? toDeadLetterRow(record) : null;
  }

  async remove(id: string): Promise<boolean> {
    const numericId = parseId(id);
    if (numericId === null) return false;
    return (await this.db.execute('DELETE FROM dead_letter WHERE id = ?', [numericId])) > 0;
  }
}
