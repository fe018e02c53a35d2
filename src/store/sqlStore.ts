import type { Clock } from '../shared/clock.ts';
import { SqlAuditRepository } from './sqlAuditRepository.ts';
import { SqlConnectionRepository } from './sqlConnectionRepository.ts';
import { SqlCursorRepository } from './sqlCursorRepository.ts';
import { SqlDeadLetterRepository } from './sqlDeadLetterRepository.ts';
import type { SqlDriver, SqlExecutor } from './sqlExecutor.ts';
import { SqlInboxRepository } from './sqlInboxRepository.ts';
import { SqlLinkRepository } from './sqlLinkRepository.ts';
import { SqlSecretRepository } from './sqlSecretRepository.ts';
import type { Store, StoreRepositories } from './store.ts';

function createRepositories(db: SqlExecutor, clock: Clock): StoreRepositories {
  return {
    links: new SqlLinkRepository(db, clock),
    audit: new SqlAuditRepository(db),
    inbox: new SqlInboxRepository(db),
    cursors: new SqlCursorRepository(db, clock),
    deadLetters: new SqlDeadLetterRepository(db),
    secrets: new SqlSecretRepository(db, clock),
    connections: new SqlConnectionRepository(db, clock),
  };
}

/** The Store over any SqlDriver: one copy of the repository logic for every dialect. */
export class SqlStore implements Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly links: StoreRepositories['links'];
  readonly audit: StoreRepositories['audit'];
  readonly inbox: StoreRepositories['inbox'];
  readonly cursors: StoreRepositories['cursors'];
  readonly deadLetters: StoreRepositories['deadLetters'];
  readonly secrets: StoreRepositories['secrets'];
  readonly connections: StoreRepositories['connections'];
  private closing: Promise<void> | null = null;

  constructor(
    private readonly driver: SqlDriver,
    private readonly clock: Clock,
  ) {
    this.dialect = driver.dialect;
    const repositories = createRepositories(driver.executor, clock);
    this.links = repositories.links;
    this.audit = repositories.audit;
    this.inbox = repositories.inbox;
    this.cursors = repositories.cursors;
    this.deadLetters = repositories.deadLetters;
    this.secrets = repositories.secrets;
    this.connections = repositories.connections;
  }

  transaction<T>(fn: (tx: StoreRepositories) => Promise<T>): Promise<T> {
    return this.driver.transaction((executor) => fn(createRepositories(executor, this.clock)));
  }

  /** Closes the database; calling it again is harmless. */
  close(): Promise<void> {
    this.closing ??= this.driver.close();
    return this.closing;
  }
}
