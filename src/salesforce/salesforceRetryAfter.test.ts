/**
 * Salesforce's Retry-After reaches the job queue: a 429 (or 503) with `Retry-After: N` from the emulator's real
 * REST API, through jsforce and SalesforceClient, makes the failed job due again N seconds after it failed — not
 * after the 60 s or 15 min fixed back-offs. The queue runs on a manual clock, so the retry is scheduled, never run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceTestOrg, startSalesforceTestOrg } from '../../test/support/salesforceTestOrg.ts';
import { waitFor } from '../../test/support/waitFor.ts';
import { EmbeddedQueue } from '../jobs/embeddedQueue.ts';
import { ManualClock } from '../shared/clock.ts';
import { openStore } from '../store/openStore.ts';
import type { Store } from '../store/store.ts';
import { SalesforceClient } from './salesforceClient.ts';

interface JobRow {
  attempts: number;
  state: string;
  run_at_ms: number;
}

/** The queue's own row of the job, read from its SQLite file. */
function jobRow(path: string): JobRow | undefined {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT attempts, state, run_at_ms FROM queue_job').get() as JobRow | undefined;
  } finally {
    db.close();
  }
}

describe("Salesforce's Retry-After schedules the job's retry", () => {
  let org: SalesforceTestOrg;
  let client: SalesforceClient;
  let dir: string;
  let store: Store;
  let opportunityId: string;
  beforeAll(async () => {
    org = await startSalesforceTestOrg();
    const conn = await org.connectAsIntegration();
    client = new SalesforceClient(conn);
    opportunityId = (
      (await conn
        .sobject('Opportunity')
        .create({ Name: 'Retry-After', StageName: 'Prospecting', CloseDate: '2027-01-31' })) as { id: string }
    ).id;
    dir = mkdtempSync(join(tmpdir(), 'cosell-retry-after-'));
    store = await openStore({ kind: 'sqlite', path: join(dir, 'cosell.db') });
  });
  afterAll(async () => {
    await store?.close();
    await org?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    { status: 429, body: 'the concurrent-request limit', seconds: 7 },
    { status: 503, body: 'a server that is unavailable', seconds: 4 },
  ])(
    'a $status with Retry-After: $seconds ($body) is due again $seconds s after the failure',
    async ({ status, seconds }) => {
      const path = join(dir, `queue-${status}.db`);
      const clock = new ManualClock('2026-12-07T05:00:00.000Z');
      const queue = new EmbeddedQueue({ path, deadLetters: store.deadLetters, clock, pollIntervalMs: 10 });
      const failures: unknown[] = [];
      try {
        await org.control('/__emulator/faults', {
          // A write: jsforce repeats a GET through 429/503 by itself (0.5–8 s apart, five times) before failing it.
          match: { method: 'PATCH', path: '/services/data' },
          status,
          retryAfterSeconds: seconds,
          count: 1,
          ...(status === 429
            ? {
                body: [
                  { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'ConcurrentPerOrgLongTxn Limit exceeded.' },
                ],
              }
            : {}),
        });
        await queue.work(
          'read-opportunities',
          async () => {
            try {
              await client.updateMany('Opportunity', [
                { Id: opportunityId, Description: 'Retry-After test' },
              ]);
            } catch (error) {
              failures.push(error);
              throw error;
            }
          },
          { concurrency: 1 },
        );
        await queue.enqueue({ name: 'read-opportunities', key: 'k', payload: {} });
        await waitFor('the failed first attempt', () => failures.length === 1);
        const row = await waitFor('the job back in the queue after its first attempt', () => {
          const job = jobRow(path);
          return job?.state === 'pending' && job.attempts === 1 ? job : null;
        });
        expect((failures[0] as { retryAfterSeconds?: number }).retryAfterSeconds).toBe(seconds);
        expect(row.run_at_ms - clock.now().getTime()).toBe(seconds * 1000);
      } finally {
        await queue.stop();
      }
    },
  );
});
