import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceTestOrg, startSalesforceTestOrg } from '../../test/support/salesforceTestOrg.ts';
import { ManualClock } from '../shared/clock.ts';
import { openStore } from '../store/openStore.ts';
import type { Store } from '../store/store.ts';
import { type ChangedOpportunity, ChangePoller, OPPORTUNITY_CURSOR_SOURCE } from './changePoller.ts';
import { installSalesforcePackage } from './packageInstaller.ts';
import { SalesforceClient } from './salesforceClient.ts';
import { defaultSalesforceFieldNames as n } from './salesforceFieldNames.ts';

const CONNECTION_ID = 'conn-poller';

/** Runs `task` for every item with at most `concurrency` in flight. */
async function inParallel<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await task(item);
      }
    }),
  );
}

describe('ChangePoller against the emulator and a real SQLite store', () => {
  let org: SalesforceTestOrg;
  let admin: Connection;
  let adminClient: SalesforceClient;
  let client: SalesforceClient;
  let store: Store;
  let dir: string;
  let synced: string[] = [];
  let linkedOnly: string[] = [];
  let untouched: string[] = [];

  const newPoller = () =>
    new ChangePoller({
      client,
      cursors: store.cursors,
      connectionId: CONNECTION_ID,
      initialLookbackMs: 10 * 60_000,
    });

  beforeAll(async () => {
    org = await startSalesforceTestOrg();
    admin = await org.connectAsAdmin();
    adminClient = new SalesforceClient(admin);
    const installed = await installSalesforcePackage({
      conn: admin,
      pollIntervalMs: 50,
      integrationUsername: org.emulator.users.integration.username,
    });
    expect(installed.ok).toBe(true);
    client = new SalesforceClient(await org.connectAsIntegration());
    dir = await mkdtemp(join(tmpdir(), 'cosell-poller-'));
    store = await openStore({ kind: 'sqlite', path: join(dir, 'store.db') });

    const base = { StageName: 'Prospecting', CloseDate: '2026-12-31' };
    const ids = async (records: Record<string, unknown>[]) =>
      (await adminClient.createMany('Opportunity', records)).map((o) => {
        if (!o.ok) throw new Error(o.error.message);
        return o.value.id;
      });
    synced = await ids(
      Array.from({ length: 500 }, (_, i) => ({
        ...base,
        Name: `Synced ${i}`,
        [n.syncWithPartnerCenter]: true,
      })),
    );
    linkedOnly = await ids(
      Array.from({ length: 5 }, (_, i) => ({
        ...base,
        Name: `Linked ${i}`,
        [n.referralId]: `ref-linked-${i}`,
      })),
    );
    untouched = await ids(Array.from({ length: 5 }, (_, i) => ({ ...base, Name: `Not synced ${i}` })));
  });
  afterAll(async () => {
    await store?.close();
    await org?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports opportunities with Sync ticked or already linked, once, and stores its cursor', async () => {
    const poller = newPoller();
    const first = await poller.poll();
    const reported = first.changes.map((c) => c.opportunityId);
    expect(new Set(reported)).toEqual(new Set([...synced, ...linkedOnly]));
    expect(reported).toHaveLength(505);
    expect(first.changes.every((c) => c.reasons.join() === 'opportunity')).toBe(true);
    for (const id of untouched) expect(reported).not.toContain(id);
    // Only the opportunities that came from a referral carry its id (Sync ticked alone does not).
    const fromReferral = new Set(
      first.changes.filter((c) => c.carriesReferralId).map((c) => c.opportunityId),
    );
    expect(fromReferral).toEqual(new Set(linkedOnly));
    expect(await store.cursors.get(CONNECTION_ID, OPPORTUNITY_CURSOR_SOURCE)).toContain('"at"');

    const second = await poller.poll();
    expect(second.changes).toEqual([]);
    // A new poller (another process) resumes from the stored cursor.
    expect((await newPoller().poll()).changes).toEqual([]);
  });

  it('spends one Salesforce API request on a poll with nothing new (one Composite call for every source)', async () => {
    const poller = newPoller();
    await poller.poll();
    const used = () => client.apiUsage()?.used ?? Number.NaN;
    const before = used();
    const idle = await poller.poll();
    expect(idle.changes).toEqual([]);
    expect(used() - before).toBe(1);
  });

  it('sees every one of 500 concurrent updates exactly once across several poll cycles', async () => {
    const poller = newPoller();
    const reported: ChangedOpportunity[] = [];
    let writing = true;
    let cycles = 0;
    const polling = (async () => {
      while (writing) {
        reported.push(...(await poller.poll()).changes);
        cycles += 1;
      }
      // Two more cycles after the last write: the overlap window is read again and must add nothing twice.
      for (let i = 0; i < 2; i++) reported.push(...(await poller.poll()).changes);
    })();
    await inParallel(synced, 25, (Id) => admin.sobject('Opportunity').update({ Id, Amount: 1000 }));
    writing = false;
    await polling;

    expect(cycles).toBeGreaterThanOrEqual(2);
    const counts = new Map<string, number>();
    for (const change of reported)
      counts.set(change.opportunityId, (counts.get(change.opportunityId) ?? 0) + 1);
    expect(counts.size).toBe(500);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(new Set(counts.keys())).toEqual(new Set(synced));

    const stamps = new Map(
      (
        await adminClient.queryAll<{ Id: string; SystemModstamp: string }>(
          "SELECT Id, SystemModstamp FROM Opportunity WHERE Name LIKE 'Synced %'",
        )
      ).map((row) => [
        row.Id,
        new Date(row.SystemModstamp.replace(/(\d{2})(\d{2})$/, '$1:$2')).toISOString(),
      ]),
    );
    for (const change of reported) expect(change.systemModstamp).toBe(stamps.get(change.opportunityId));
  });

  it('reports the parent opportunity when a Microsoft solution of a synced opportunity changes', async () => {
    const poller = newPoller();
    await poller.poll();
    const parent = synced[42] as string;
    const solutionId = await adminClient.create(n.solutionObject, {
      [n.solutionOpportunity]: parent,
      [n.solutionId]: 'sol-42',
      [n.solutionName]: 'Azure OpenAI',
    });
    await adminClient.create(n.solutionObject, {
      [n.solutionOpportunity]: untouched[0],
      [n.solutionId]: 'sol-x',
    });
    const result = await poller.poll();
    expect(result.changes).toEqual([
      expect.objectContaining({ opportunityId: parent, reasons: ['solution'], carriesReferralId: false }),
    ]);

    await admin.sobject(n.solutionObject).destroy(solutionId);
    const afterDelete = await poller.poll();
    expect(afterDelete.changes).toEqual([
      expect.objectContaining({ opportunityId: parent, reasons: ['solution'] }),
    ]);
  });

  it("tells a change the connector's own user made from anyone else's, row by row at the newest stamp", async () => {
    const poller = newPoller();
    await poller.poll();
    const ours = synced[7] as string;
    const theirs = synced[8] as string;
    const both = synced[9] as string;
    // The connector signs in as the integration user; the seller is the admin.
    await client.update('Opportunity', { Id: ours, Amount: 7007 });
    await admin.sobject('Opportunity').update({ Id: theirs, Amount: 8008 });
    await client.update('Opportunity', { Id: both, Amount: 9009 });
    // A seller's solution on the same opportunity, at the same stamp or later: someone else changed it too.
    await adminClient.create(n.solutionObject, { [n.solutionOpportunity]: both, [n.solutionId]: 'sol-9' });
    const { changes } = await poller.poll();
    const byId = new Map(changes.map((change) => [change.opportunityId, change.changedByConnector]));
    expect(Object.fromEntries([ours, theirs, both].map((id) => [id, byId.get(id)]))).toEqual({
      [ours]: true,
      [theirs]: false,
      [both]: false,
    });
  });

  it('runs overlapping polls one after the other, each with its own handler', async () => {
    const poller = newPoller();
    await poller.poll();
    const id = synced[9] as string;
    await admin.sobject('Opportunity').update({ Id: id, Amount: 9 });
    const handled: string[][] = [[], []];
    const [first, second] = await Promise.all([
      poller.poll(async (changes) => {
        handled[0]?.push(...changes.map((c) => c.opportunityId));
      }),
      poller.poll(async (changes) => {
        handled[1]?.push(...changes.map((c) => c.opportunityId));
      }),
    ]);
    expect(first.changes.map((c) => c.opportunityId)).toEqual([id]);
    expect(second.changes).toEqual([]);
    expect(handled).toEqual([[id], []]);
  });

  it('keeps the cursor when the changes could not be handed on, so they come again', async () => {
    const poller = newPoller();
    await poller.poll();
    const id = synced[7] as string;
    await admin.sobject('Opportunity').update({ Id: id, Amount: 7 });
    await expect(
      poller.poll(async () => {
        throw new Error('queue unavailable');
      }),
    ).rejects.toThrow('queue unavailable');
    const retried = await poller.poll();
    expect(retried.changes.map((c) => c.opportunityId)).toEqual([id]);
    expect((await poller.poll()).changes).toEqual([]);
  });
  it('reports a change found after empty polls exactly once, including a solution older than the poll window', async () => {
    // Time moves on between polls (a poll interval), as it does in the worker.
    const clock = new ManualClock(new Date());
    const poller = new ChangePoller({ client, cursors: store.cursors, connectionId: 'conn-anchor', clock });
    const created = await adminClient.createMany('Opportunity', [
      { StageName: 'Prospecting', CloseDate: '2026-12-31', Name: 'Anchor' },
    ]);
    const id = created[0]?.ok ? created[0].value.id : '';
    await admin
      .sobject(n.solutionObject)
      .create({ [n.solutionOpportunity]: id, [n.solutionId]: 'SOL-ANCHOR', [n.solutionName]: 'Anchor' });
    const reports: string[] = [];
    const record = async (changes: ChangedOpportunity[]) => {
      reports.push(
        ...changes
          .filter((change) => change.opportunityId === id)
          .map((change) => change.reasons.sort().join('+')),
      );
    };
    await poller.poll(record);
    clock.advance(2_000);
    await poller.poll(record);
    await admin.sobject('Opportunity').update({ Id: id, [n.syncWithPartnerCenter]: true });
    for (let i = 0; i < 3; i++) {
      clock.advance(2_000);
      await poller.poll(record);
    }
    expect(reports).toEqual(['opportunity+solution']);
  });

  it('catches a row a long-running transaction commits with a SystemModstamp older than the cursor', async () => {
    const emulatorNow = async (advanceMs = 0) =>
      new Date(((await org.control('/__emulator/clock', { advanceMs })) as { now: string }).now);
    // Start well after the rows earlier tests wrote, so only this test's changes are new.
    const clock = new ManualClock(await emulatorNow(10_000));
    const poller = (connectionId: string, longTransactionGuard: boolean) =>
      new ChangePoller({ client, cursors: store.cursors, connectionId, clock, longTransactionGuard });
    const guarded = poller('conn-long-tx-guarded', true);
    const overlapOnly = poller('conn-long-tx-overlap-only', false);
    const lateId = synced[20] as string;
    const earlyId = synced[21] as string;
    const reported = async () => {
      const [a, b] = [await guarded.poll(), await overlapOnly.poll()];
      return [a, b].map((result) =>
        result.changes.map((change) => change.opportunityId).filter((id) => id === lateId || id === earlyId),
      );
    };
    await reported();

    const { id: transactionId } = (await org.control('/__emulator/transactions')) as { id: string };
    clock.set(await emulatorNow(60_000));
    await admin.sobject('Opportunity').update({ Id: earlyId, Amount: 21 });
    expect(await reported()).toEqual([[earlyId], [earlyId]]);

    await org.control(`/__emulator/transactions/${transactionId}/commit`, {
      records: [{ type: 'Opportunity', id: lateId, fields: { Amount: 20 } }],
    });
    clock.set(await emulatorNow(2_000));
    // The row is stamped a minute before the rows already read: only the guarded poller reads back that far.
    expect(await reported()).toEqual([[lateId], []]);
    expect(await reported()).toEqual([[], []]);
  });
});
