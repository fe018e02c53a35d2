/**
 * WebhookIntake on a real SQLite store and embedded queue: deliveries that arrive together are stored and queued
 * as a group, each with its own outcome and its own job; a queue that refuses still leaves the rows for the inbox
 * drain, and a store that refuses fails every delivery of the group.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteBackend } from '../../test/support/testStores.ts';
import { EmbeddedQueue } from '../jobs/embeddedQueue.ts';
import { silentLogger } from '../shared/logger.ts';
import type { Store } from '../store/store.ts';
import { type DealSyncPayload, JOB } from './dealJobs.ts';
import { type Delivery, WebhookIntake } from './webhookIntake.ts';

const CONNECTION = 'conn-intake';
const backend = sqliteBackend();
const queues: EmbeddedQueue[] = [];

afterEach(async () => {
  for (const queue of queues.splice(0)) await queue.stop();
  await backend.cleanup();
});

async function openIntake(): Promise<{
  store: Store;
  queue: EmbeddedQueue;
  intake: WebhookIntake;
  reopen: () => Promise<Store>;
}> {
  const location = backend.newLocation();
  if (location.kind !== 'sqlite') throw new Error('expected a sqlite location');
  const store = await backend.open({ location });
  const queue = new EmbeddedQueue({ path: location.path, deadLetters: store.deadLetters });
  queues.push(queue);
  return {
    store,
    queue,
    intake: new WebhookIntake({ connectionId: CONNECTION, store, queue, logger: silentLogger }),
    reopen: () => backend.open({ location }),
  };
}

const delivery = (referralId: string, copy = 0): Delivery => ({
  dedupKey: `hash-${referralId}-${copy}`,
  receivedAt: '2026-12-07T10:00:00.000Z',
  eventName: 'referral-updated',
  resourceId: referralId,
  body: `{"EventName":"referral-updated","ResourceUri":"…/referrals/${referralId}","copy":${copy}}`,
});

describe('WebhookIntake', () => {
  it('stores and queues deliveries that arrive together: each its own row and job, a repeated body a duplicate', async () => {
    const { store, queue, intake } = await openIntake();
    const deliveries = Array.from({ length: 40 }, (_unused, index) => delivery(`ref-${index}`));
    // The same body as the seventh, in the same group: stored once.
    deliveries.push({ ...(deliveries[6] as Delivery) });
    const outcomes = await Promise.all(deliveries.map((each) => intake.accept(each)));
    expect(outcomes.filter((outcome) => outcome === 'accepted')).toHaveLength(40);
    expect(outcomes[40]).toBe('duplicate');

    const rows = await store.inbox.listUnprocessed(CONNECTION, 100);
    expect(rows).toHaveLength(40);
    const runs: DealSyncPayload[] = [];
    await queue.work<DealSyncPayload>(
      JOB.dealSync,
      async (job) => {
        runs.push(job.payload);
      },
      { concurrency: 8 },
    );
    await expect
      .poll(async () => (await queue.stats()).pending + (await queue.stats()).running, { timeout: 10_000 })
      .toBe(0);
    expect(runs).toHaveLength(40);
    // Each job names its own delivery's referral and inbox row.
    const rowOf = new Map(rows.map((row) => [row.id, row]));
    for (const payload of runs) {
      expect(payload.trigger).toBe('webhook');
      expect(rowOf.get(payload.inboxId ?? '')?.resourceId).toBe(payload.referralId);
    }
    expect(new Set(runs.map((payload) => payload.inboxId)).size).toBe(40);
  });

  it('acknowledges deliveries the queue refuses: they stay in the inbox, unprocessed, for the drain', async () => {
    const { store, queue, intake } = await openIntake();
    await queue.stop();
    const outcomes = await Promise.all([intake.accept(delivery('ref-a')), intake.accept(delivery('ref-b'))]);
    expect(outcomes).toEqual(['accepted', 'accepted']);
    expect((await store.inbox.listUnprocessed(CONNECTION, 10)).map((row) => row.resourceId).sort()).toEqual([
      'ref-a',
      'ref-b',
    ]);
  });

  it('fails every delivery of a group the store cannot write, and stores none of them', async () => {
    const { store, intake, reopen } = await openIntake();
    await store.close();
    const settled = await Promise.allSettled([
      intake.accept(delivery('ref-x')),
      intake.accept(delivery('ref-y')),
    ]);
    expect(settled.map((each) => each.status)).toEqual(['rejected', 'rejected']);
    expect(await (await reopen()).inbox.listUnprocessed(CONNECTION, 10)).toEqual([]);
  });
});
