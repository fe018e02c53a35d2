import type { Clock } from '../shared/clock.ts';
import { parseId, readId, readJson, toInstant, writeJson } from './rowValues.ts';
import type { SqlExecutor } from './sqlExecutor.ts';
import type { SyncOutcomeRepository, SyncOutcomeRow } from './store.ts';

export class SqlSyncOutcomeRepository implements SyncOutcomeRepository {
  constructor(
    private readonly db: SqlExecutor,
    private readonly clock: Clock,
  ) {}

  async record(runId: string, connectionId: string, outcome: unknown): Promise<void> {
    await this.db.execute(
      'INSERT INTO sync_outcome (run_id, connection_id, outcome, created_at) VALUES (?, ?, ?, ?)',
      [runId, connectionId, writeJson(outcome), toInstant(this.clock.now())],
    );
  }

  async list(runId: string, afterId?: string): Promise<SyncOutcomeRow[]> {
    const after = afterId === undefined ? 0 : (parseId(afterId) ?? 0);
    const records = await this.db.query<{ id: unknown; outcome: unknown }>(
      'SELECT id, outcome FROM sync_outcome WHERE run_id = ? AND id > ? ORDER BY id LIMIT 1000',
      [runId, after],
    );
    return records.map((record) => ({ id: readId(record.id), outcome: readJson(record.outcome) }));
  }

  async prune(runId: string): Promise<void> {
    await this.db.execute('DELETE FROM sync_outcome WHERE run_id = ?', [runId]);
  }
}
