import type { Clock } from '../shared/clock.ts';
import { readText, toInstant } from './rowValues.ts';
import type { SqlExecutor } from './sqlExecutor.ts';
import type { SecretRepository, StoredSecret } from './store.ts';

/** Holds ciphertext only: encryption happens in SecretBox before a value reaches the store. */
export class SqlSecretRepository implements SecretRepository {
  constructor(
    private readonly db: SqlExecutor,
    private readonly clock: Clock,
  ) {}

  async put(connectionId: string, name: string, ciphertext: string): Promise<void> {
    await this.db.execute(
      `INSERT INTO secret (connection_id, name, ciphertext, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (connection_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
      [connectionId, name, ciphertext, toInstant(this.clock.now())],
    );
  }

  async get(connectionId: string, name: string): Promise<string | null> {
    const [record] = await this.db.query<{ ciphertext: unknown }>(
      'SELECT ciphertext FROM secret WHERE connection_id = ? AND name = ?',
      [connectionId, name],
    );
    return record ? readText(record.ciphertext) : null;
  }

  async delete(connectionId: string, name: string): Promise<void> {
    await this.db.execute('DELETE FROM secret WHERE connection_id = ? AND name = ?', [connectionId, name]);
  }

  async listNames(connectionId: string): Promise<string[]> {
    const records = await this.db.query<{ name: unknown }>(
      'SELECT name FROM secret WHERE connection_id = ? ORDER BY name',
      [connectionId],
    );
    return records.map((record) => readText(record.name));
  }

  async replace(connectionId: string, name: string, expected: string, ciphertext: string): Promise<boolean> {
    const changed = await this.db.execute(
      'UPDATE secret SET ciphertext = ?, updated_at = ? WHERE connection_id = ? AND name = ? AND ciphertext = ?',
      [ciphertext, toInstant(this.clock.now()), connectionId, name, expected],
    );
    return changed === 1;
  }

  async listAll(): Promise<StoredSecret[]> {
    const records = await this.db.query<{ connection_id: unknown; name: unknown; ciphertext: unknown }>(
      'SELECT connection_id, name, ciphertext FROM secret ORDER BY connection_id, name',
    );
    return records.map((record) => ({
      connectionId: readText(record.connection_id),
      name: readText(record.name),
      ciphertext: readText(record.ciphertext),
    }));
  }
}
