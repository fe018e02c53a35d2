import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from '../shared/clock.ts';
import { SqlAuditRepository } from './sqlAuditRepository.ts';
import { SqlConnectionRepository } from './sqlConnectionRepository.ts';
import { SqlCursorRepository } from './sqlCursorRepository.ts';
import { SqlDashboardSessionRepository } from './sqlDashboardSessionRepository.ts';
import { SqlDeadLetterRepository } from './sqlDeadLetterRepository.ts';
import type { SqlDriver, SqlExecutor } from './sqlExecutor.ts';
import { SqlInboxRepository } from './sqlInboxRepository.ts';
import { SqlIncidentRepository } from './sqlIncidentRepository.ts';
import { SqlLinkRepository } from './sqlLinkRepository.ts';
import { SqlReportRepository } from './sqlReportRepository.ts';
import { SqlSecretRepository } from './sqlSecretRepository.ts';
import { SqlSyncOutcomeRepository } from './sqlSyncOutcomeRepository.ts';
import type { Store, StoreRepositories } from './store.ts';

function createRepositories(db: SqlExecutor, clock: Clock, dialect: SqlDriver['dialect']): StoreRepositories {
  return {
    links: new SqlLinkRepository(db, clock),
    syncOutcomes: new SqlSyncOutcomeRepository(db, clock),
    audit: new SqlAuditRepository(db),
    inbox: new SqlInboxRepository(db),
    cursors: new SqlCursorRepository(db, clock),
    deadLetters: new SqlDeadLetterRepository(db),
    secrets: new SqlSecretRepository(db, clock),
    connections: new SqlConnectionRepository(db, clock),
    reports: new SqlReportRepository(db, dialect),
    incidents: new SqlIncidentRepository(db),
    dashboardSessions: new SqlDashboardSessionRepository(db),
  };
}

const MISUSE =
  'inside store.transaction(fn), use the repositories fn receives (tx.links, tx.audit …), not the store itself: the store runs outside the transaction';

/** Refuses statements from the store's own repositories while the caller is inside one of its transactions. */
function outsideTransactionsOnly(db: SqlExecutor, active: AsyncLocalStorage<true>): SqlExecutor {
  const check = () => {
    if (active.getStore()) throw new Error(`Store misuse: ${MISUSE}.`);
  };
  return {
    query: async (sql, params, options) => {
      check();
      return db.query(sql, params, options);
    },
    execute: async (sql, params, options) => {
      check();
      return db.execute(sql, params, options);
    },
    script: async (sql) => {
      check();
      return db.script(sql);
    },
  };
}

/**
 * The Store over any SqlDriver: one copy of the repository logic for every dialect.
 * Using the store (rather than the tx repositories) inside a transaction, or nesting
 * transactions, fails at once instead of deadlocking (SQLite) or escaping the transaction (Postgres).
 */
export class SqlStore implements Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly links: StoreRepositories['links'];
  readonly syncOutcomes: StoreRepositories['syncOutcomes'];
  readonly audit: StoreRepositories['audit'];
  readonly inbox: StoreRepositories['inbox'];
  readonly cursors: StoreRepositories['cursors'];
  readonly deadLetters: StoreRepositories['deadLetters'];
  readonly secrets: StoreRepositories['secrets'];
  readonly connections: StoreRepositories['connections'];
  readonly reports: StoreRepositories['reports'];
  readonly incidents: StoreRepositories['incidents'];
  readonly dashboardSessions: StoreRepositories['dashboardSessions'];
  private closing: Promise<void> | null = null;
  private readonly activeTransaction = new AsyncLocalStorage<true>();

  constructor(
    private readonly driver: SqlDriver,
    private readonly clock: Clock,
  ) {
    this.dialect = driver.dialect;
    const repositories = createRepositories(
      outsideTransactionsOnly(driver.executor, this.activeTransaction),
      clock,
      driver.dialect,
    );
    this.links = repositories.links;
    this.syncOutcomes = repositories.syncOutcomes;
    this.audit = repositories.audit;
    this.inbox = repositories.inbox;
    this.cursors = repositories.cursors;
    this.deadLetters = repositories.deadLetters;
    this.secrets = repositories.secrets;
    this.connections = repositories.connections;
    this.reports = repositories.reports;
    this.incidents = repositories.incidents;
    this.dashboardSessions = repositories.dashboardSessions;
  }

  async transaction<T>(fn: (tx: StoreRepositories) => Promise<T>): Promise<T> {
    if (this.activeTransaction.getStore()) {
      throw new Error(`Store misuse: transactions do not nest; ${MISUSE}.`);
    }
    return this.driver.transaction((executor) =>
      this.activeTransaction.run(true, () => fn(createRepositories(executor, this.clock, this.dialect))),
    );
  }

  /** Closes the database; calling it again is harmless. */
  close(): Promise<void> {
    this.closing ??= this.driver.close();
    return this.closing;
  }
}
