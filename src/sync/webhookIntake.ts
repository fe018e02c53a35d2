/**
 * Stores verified webhook deliveries in the inbox and queues their work, committing deliveries that arrive
 * together as one group: one store transaction for their inbox rows and one queue transaction for their jobs,
 * instead of two durable commits per delivery. A delivery's promise settles only after its group's inbox
 * transaction has committed, so the sender's 202 still means "stored".
 *
 * Grouping needs no timer: a delivery that arrives while a writer is free starts a group on the next turn of the
 * event loop (so deliveries read in the same turn join it); deliveries that arrive while every writer is busy
 * form the next group. Under load the groups grow by themselves; one delivery alone waits for nothing.
 */
import type { JobQueue } from '../jobs/jobQueue.ts';
import type { Logger } from '../shared/logger.ts';
import type { InboxRow, Store } from '../store/store.ts';
import { eventJob } from './dealJobs.ts';

/** A verified delivery the connector acts on. */
export type Delivery = Omit<InboxRow, 'id' | 'processedAt' | 'connectionId' | 'resourceId'> & {
  resourceId: string;
};

/** accepted: stored and queued (or left to the inbox drain); duplicate: the same body was stored before. */
export type IntakeOutcome = 'accepted' | 'duplicate';

export interface WebhookIntakeDeps {
  connectionId: string;
  store: Pick<Store, 'transaction' | 'links'>;
  queue: Pick<JobQueue, 'enqueueMany'>;
  logger: Logger;
}

interface Waiting {
  delivery: Delivery;
  resolve: (outcome: IntakeOutcome) => void;
  reject: (error: unknown) => void;
}

/** Most deliveries in one group (a bound on one transaction's size, far above what a burst brings). */
const MAX_GROUP = 500;
/** Groups written at once: a database of several connections (Postgres) works on one while another commits. */
const WRITERS = 3;

export class WebhookIntake {
  private waiting: Waiting[] = [];
  private writers = 0;

  constructor(private readonly deps: WebhookIntakeDeps) {}

  /** Stores the delivery (deduplicated by its dedupKey) and queues its job; settles once the row is durable. */
  accept(delivery: Delivery): Promise<IntakeOutcome> {
    return new Promise<IntakeOutcome>((resolve, reject) => {
      this.waiting.push({ delivery, resolve, reject });
      if (this.writers < WRITERS && this.waiting.length === 1) setImmediate(() => void this.writeGroups());
    });
  }

  private async writeGroups(): Promise<void> {
    if (this.writers >= WRITERS || this.waiting.length === 0) return;
    this.writers += 1;
    try {
      while (this.waiting.length > 0) await this.writeGroup(this.waiting.splice(0, MAX_GROUP));
    } finally {
      this.writers -= 1;
    }
  }

  private async writeGroup(group: Waiting[]): Promise<void> {
    const { connectionId, store, queue, logger } = this.deps;
    let stored: { inserted: boolean; row: InboxRow }[];
    try {
      // In arrival order: the second of two equal bodies in one group is the duplicate.
      stored = await store.transaction((tx) =>
        tx.inbox.insertManyIfNew(group.map(({ delivery }) => ({ ...delivery, connectionId }))),
      );
    } catch (error) {
      // Nothing of the group was stored: each sender gets an error and Partner Center delivers again.
      for (const each of group) each.reject(error);
      return;
    }
    const fresh = stored.filter((result) => result.inserted).map((result) => result.row);
    if (fresh.length > 0) {
      try {
        const jobs = await Promise.all(
          fresh.map((row) =>
            eventJob(
              { store, connectionId },
              { eventName: row.eventName, resourceId: row.resourceId ?? '', inboxId: row.id },
            ),
          ),
        );
        await queue.enqueueMany(jobs);
      } catch (error) {
        // Stored in the inbox: the inbox drain queues them, so the senders still get their 202.
        logger.error(
          { err: error, inboxIds: fresh.map((row) => row.id) },
          'could not enqueue webhook work; the inbox drain will retry',
        );
      }
    }
    for (const [index, each] of group.entries())
      each.resolve(stored[index]?.inserted ? 'accepted' : 'duplicate');
  }
}
