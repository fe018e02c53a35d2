import type { Clock } from '../shared/clock.ts';
import { readText, toInstant } from './rowValues.ts';
import type { SqlExecutor } from './sqlExecutor.ts';
import type { CursorRepository } from './store.ts';

export class SqlCursorRepository implements CursorRepository {
  constructor(
    private readonly db: SqlExecutor,
    private readonly clock: Clock,
  ) {}

  async get(connectionId: string, source: string): Promise<string | null> {
    const [record] = await this.db.query<{ value: unknown }>(
      'SELECT value FROM cursor WHERE connection_id = ? AND source = ?',
      [connectionId, source],
    );
    return record ? readText(record.value) : null;
  }

  async set(connectionId: string, source: string, value: string): Promise<void> {
    await this.db.execute(
      `INSERT INTO cursor (connection_id, source, value, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (connection_id, source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [connectionId, source, value, toInstant(this.clock.now())],
    );
  }
}
