import type { Clock } from '../shared/clock.ts';
import { readInstant, readJson, readText, readTextOrNull, toInstant, writeJson } from './rowValues.ts';
import type { SqlExecutor } from './sqlExecutor.ts';
import type { ConnectionRepository, ConnectionRow, ConnectionState } from './store.ts';

/** Row as the connection table holds it. */
interface ConnectionRecord {
  id: unknown;
  name: unknown;
  state: unknown;
  paused_reason: unknown;
  settings: unknown;
  created_at: unknown;
  updated_at: unknown;
}

function toConnectionRow(record: ConnectionRecord): ConnectionRow {
  return {
    id: readText(record.id),
    name: readText(record.name),
    state: readText(record.state) as ConnectionState,
    pausedReason: readTextOrNull(record.paused_reason),
    settings: (readJson(record.settings) ?? {}) as Record<string, unknown>,
    createdAt: readInstant(record.created_at),
    updatedAt: readInstant(record.updated_at),
  };
}

type ConnectionUpsert = Pick<ConnectionRow, 'id' | 'name'> &
  Partial<Pick<ConnectionRow, 'state' | 'pausedReason' | 'settings'>>;

export class SqlConnectionRepository implements ConnectionRepository {
  constructor(
    private readonly db: SqlExecutor,
    private readonly clock: Clock,
  ) {}

  /** Creates the connection, or renames it and updates only the fields given. */
  async upsert(row: ConnectionUpsert): Promise<ConnectionRow> {
    const now = toInstant(this.clock.now());
    const updates = ['name = excluded.name', 'updated_at = excluded.updated_at'];
    if (row.state !== undefined) updates.push('state = excluded.state');
    if (row.pausedReason !== undefined) updates.push('paused_reason = excluded.paused_reason');
    if (row.settings !== undefined) updates.push('settings = excluded.settings');
    const [record] = await this.db.query<ConnectionRecord>(
      `INSERT INTO connection (id, name, state, paused_reason, settings, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')} RETURNING *`,
      [
        row.id,
        row.name,
        row.state ?? 'active',
        row.pausedReason ?? null,
        writeJson(row.settings ?? {}),
        now,
        now,
      ],
    );
    return toConnectionRow(record!);
  }

  async get(id: string): Promise<ConnectionRow | null> {
    const [record] = await this.db.query<ConnectionRecord>('SELECT * FROM connection WHERE id = ?', [id]);
    return record ? toConnectionRow(record) : null;
  }

  async list(): Promise<ConnectionRow[]> {
    const records = await this.db.query<ConnectionRecord>('SELECT * FROM connection ORDER BY id');
    return records.map(toConnectionRow);
  }

  async setState(id: string, state: ConnectionState, pausedReason: string | null): Promise<void> {
    const changed = await this.db.execute(
      'UPDATE connection SET state = ?, paused_reason = ?, updated_at = ? WHERE id = ?',
      [state, pausedReason, toInstant(this.clock.now()), id],
    );
    if (changed === 0) {
      throw new Error(
        `Connection ${id} does not exist: create it first (connections.upsert or cosell init).`,
      );
    }
  }
}
