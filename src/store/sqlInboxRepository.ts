import {
  parseId,
  readId,
  readInstant,
  readInstantOrNull,
  readText,
  readTextOrNull,
  toInstant,
} from './rowValues.ts';
import type { SqlExecutor } from './sqlExecutor.ts';
import type { InboxRepository, InboxRow } from './store.ts';

/** Row as the inbox table holds it. */
interface InboxRecord {
  id: unknown;
  connection_id: unknown;
  dedup_key: unknown;
  received_at: unknown;
  event_name: unknown;
  resource_id: unknown;
  body: unknown;
  processed_at: unknown;
}

function toInboxRow(record: InboxRecord): InboxRow {
  return {
    id: readId(record.id),
    connectionId: readText(record.connection_id),
    dedupKey: readText(record.dedup_key),
    receivedAt: readInstant(record.received_at),
    eventName: readText(record.event_name),
    resourceId: readTextOrNull(record.resource_id),
    body: readText(record.body),
    processedAt: readInstantOrNull(record.processed_at),
  };
}

export class SqlInboxRepository implements InboxRepository {
  constructor(private readonly db: SqlExecutor) {}

  async insertIfNew(
    row: Omit<InboxRow, 'id' | 'processedAt'>,
  ): Promise<{ inserted: boolean; row: InboxRow }> {
    const [result] = await this.insertManyIfNew([row]);
    if (!result) throw new Error('The inbox returned no result for a delivery.');
    return result;
  }

  async insertManyIfNew(
    rows: readonly Omit<InboxRow, 'id' | 'processedAt'>[],
  ): Promise<{ inserted: boolean; row: InboxRow }[]> {
    if (rows.length === 0) return [];
    // One statement for all of them; of two equal deliveries in one call, the first is stored.
    const records = await this.db.query<InboxRecord>(
      `INSERT INTO inbox (connection_id, dedup_key, received_at, event_name, resource_id, body)
       VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (connection_id, dedup_key) DO NOTHING RETURNING *`,
      rows.flatMap((row) => [
        row.connectionId,
        row.dedupKey,
        toInstant(row.receivedAt),
        row.eventName,
        row.resourceId,
        row.body,
      ]),
    );
    const identity = (row: { connectionId: string; dedupKey: string }) =>
      `${row.connectionId}\u0000${row.dedupKey}`;
    // Rows this statement inserted, until the first delivery of each is answered; then every row answered so far.
    const unanswered = new Map(records.map(toInboxRow).map((row) => [identity(row), row]));
    const answered = new Map<string, InboxRow>();
    const results: { inserted: boolean; row: InboxRow }[] = [];
    for (const row of rows) {
      const key = identity(row);
      const fresh = unanswered.get(key);
      if (fresh !== undefined) {
        unanswered.delete(key);
        answered.set(key, fresh);
        results.push({ inserted: true, row: fresh });
        continue;
      }
      const known = answered.get(key) ?? (await this.stored(row));
      answered.set(key, known);
      results.push({ inserted: false, row: known });
    }
    return results;
  }

  /** The stored delivery with this row's dedupKey (a duplicate's original). */
  private async stored(row: { connectionId: string; dedupKey: string }): Promise<InboxRow> {
    const [existing] = await this.db.query<InboxRecord>(
      'SELECT * FROM inbox WHERE connection_id = ? AND dedup_key = ?',
      [row.connectionId, row.dedupKey],
    );
    if (!existing) {
      throw new Error(
        `Inbox delivery ${row.dedupKey} was neither inserted nor found; it was pruned meanwhile: deliver it again.`,
      );
    }
    return toInboxRow(existing);
  }

  async listUnprocessed(connectionId: string, limit: number): Promise<InboxRow[]> {
    const records = await this.db.query<InboxRecord>(
      'SELECT * FROM inbox WHERE connection_id = ? AND processed_at IS NULL ORDER BY id LIMIT ?',
      [connectionId, limit],
    );
    return records.map(toInboxRow);
  }

  async markProcessed(id: string, at: string): Promise<void> {
    const numericId = parseId(id);
    if (numericId === null) return;
    await this.db.execute('UPDATE inbox SET processed_at = ? WHERE id = ?', [toInstant(at), numericId]);
  }
  async lastReceivedAt(connectionId: string): Promise<string | null> {
    const [record] = await this.db.query<{ received_at: unknown }>(
      'SELECT received_at FROM inbox WHERE connection_id = ? ORDER BY received_at DESC LIMIT 1',
      [connectionId],
    );
    return record ? readInstant(record.received_at) : null;
  }

  async prune(receivedBefore: string): Promise<number> {
    return this.db.execute('DELETE FROM inbox WHERE processed_at IS NOT NULL AND received_at < ?', [
      toInstant(receivedBefore),
    ]);
  }
}
