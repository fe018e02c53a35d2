/**
 * How many deal jobs (deal.sync and partnerCenter.related) are waiting or running in a connector's queue,
 * read straight from the queue's tables from outside the connector's process: the scheduled poll and reconcile
 * jobs, which are always pending, are not counted. Read-only.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { CosellConfig } from '../../src/config/configSchema.ts';
import { JOB } from '../../src/sync/dealJobs.ts';

const DEAL_JOB_NAMES = [JOB.dealSync, JOB.relatedReferral];

export async function liveDealJobs(config: CosellConfig): Promise<number> {
  const store = config.store;
  if (store.kind === 'sqlite') {
    const db = new Database(store.path, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      const row = db
        .prepare<string[], { live: number }>(
          `SELECT COUNT(*) AS live FROM queue_job WHERE name IN (${DEAL_JOB_NAMES.map(() => '?').join(', ')})`,
        )
        .get(...DEAL_JOB_NAMES);
      return row?.live ?? 0;
    } finally {
      db.close();
    }
  }
  const schema = store.schema ? `${store.schema}_queue` : 'pgboss';
  const client = new pg.Client({ connectionString: store.url });
  await client.connect();
  try {
    const result = await client.query<{ live: string }>(
      `SELECT COUNT(*) AS live FROM ${schema}.job WHERE name = ANY($1) AND state IN ('created', 'retry', 'active')`,
      [DEAL_JOB_NAMES],
    );
    return Number(result.rows[0]?.live ?? 0);
  } finally {
    await client.end();
  }
}
