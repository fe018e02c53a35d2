import { readInstant, readJson, readText, toInstant, writeJson } from './rowValues.ts';
import type { SqlExecutor } from './sqlExecutor.ts';
import type { DashboardSessionKind, DashboardSessionRepository, DashboardSessionRow } from './store.ts';

export class SqlDashboardSessionRepository implements DashboardSessionRepository {
  constructor(private readonly db: SqlExecutor) {}

  async insert(row: DashboardSessionRow): Promise<void> {
    await this.db.execute(
      'INSERT INTO dashboard_session (id_hash, connection_id, kind, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      [
        row.idHash,
        row.connectionId,
        row.kind,
        writeJson(row.data),
        toInstant(row.createdAt),
        toInstant(row.expiresAt),
      ],
    );
  }

  async get(idHash: string): Promise<DashboardSessionRow | null> {
    const [record] = await this.db.query<Record<string, unknown>>(
      'SELECT id_hash, connection_id, kind, data, created_at, expires_at FROM dashboard_session WHERE id_hash = ?',
      [idHash],
    );
    if (!record) return null;
    return {
      idHash: readText(record['id_hash']),
      connectionId: readText(record['connection_id']),
      kind: readText(record['kind']) as DashboardSessionKind,
      data: readJson(record['data']),
      createdAt: readInstant(record['created_at']),
      expiresAt: readInstant(record['expires_at']),
    };
  }

  async delete(idHash: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM dashboard_session WHERE id_hash = ?', [idHash])) > 0;
  }

  async deleteExpired(now: string): Promise<number> {
    return this.db.execute('DELETE FROM dashboard_session WHERE expires_at <= ?', [toInstant(now)]);
  }
}
