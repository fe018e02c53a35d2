/**
 * The behaviour every Store adapter must show. Each adapter's test file calls
 * describeStoreContract with a factory that opens a fresh, empty, migrated store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../src/shared/clock.ts';
import { type NewAuditEntry, type NewLink, type Store, StoreConflictError } from '../../src/store/store.ts';

export type MakeStore = (options: { clock: Clock }) => Promise<Store>;

const START = '2026-03-01T10:00:00.000Z';

/** A link with every optional id empty, in connection conn-a. */
export function newLinkFixture(overrides: Partial<NewLink> = {}): NewLink {
  return {
    connectionId: 'conn-a',
    referralId: null,
    opportunityId: null,
    salesforceObject: 'opportunity',
    engagementId: null,
    base: null,
    pcETag: null,
    sfSystemModstamp: null,
    state: 'pending',
    lastError: null,
    ...overrides,
  };
}

/** An audit entry of a webhook sync to Salesforce at the contract's start time, in connection conn-a. */
export function newAuditFixture(overrides: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    connectionId: 'conn-a',
    linkId: null,
    referralId: null,
    opportunityId: null,
    at: START,
    trigger: 'webhook',
    direction: 'toSalesforce',
    outcome: 'ok',
    changes: [],
    error: null,
    message: 'synced',
    ...overrides,
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

class Rollback extends Error {}

export function describeStoreContract(name: string, makeStore: MakeStore): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock(START);
      store = await makeStore({ clock });
    });
    afterEach(async () => {
      await store.close();
    });

    it('can be closed more than once', async () => {
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    });

    describe('links', () => {
      it('deletes a link, keeping its audit entries without the link id, and frees its ids for a new link', async () => {
        const link = await store.links.insert(
          newLinkFixture({ referralId: 'ref-del', opportunityId: '006DEL' }),
        );
        await store.audit.append({
          connectionId: link.connectionId,
          linkId: link.id,
          referralId: 'ref-del',
          opportunityId: '006DEL',
          at: '2026-01-01T00:00:00.000Z',
          trigger: 'test',
          direction: 'none',
          outcome: 'ok',
          changes: [],
          error: null,
          message: 'before delete',
        });
        expect(await store.links.delete(link.id)).toBe(true);
        expect(await store.links.delete(link.id)).toBe(false);
        expect(await store.links.get(link.id)).toBeNull();
        const kept = await store.audit.list({ connectionId: link.connectionId });
        expect(kept.find((entry) => entry.message === 'before delete')?.linkId).toBeNull();
        const again = await store.links.insert(
          newLinkFixture({ referralId: 'ref-del', opportunityId: '006DEL' }),
        );
        expect(again.id).not.toBe(link.id);
      });

      it('keeps the deal key a link was created with, and lets an update set it on an older link', async () => {
        const keyed = await store.links.insert(
          newLinkFixture({ opportunityId: '006K', dealKey: 'deal:conn-a:opportunity:006K' }),
        );
        expect(keyed.dealKey).toBe('deal:conn-a:opportunity:006K');
        const older = await store.links.insert(newLinkFixture({ referralId: 'ref-old' }));
        expect(older.dealKey).toBeNull();
        const updated = await store.links.update(older.id, {
          state: 'synced',
          dealKey: 'deal:conn-a:referral:ref-old',
        });
        expect((await store.links.get(updated.id))?.dealKey).toBe('deal:conn-a:referral:ref-old');
      });

      it('inserts a link and reads it back with a store-assigned id and timestamps from the clock', async () => {
        const inserted = await store.links.insert(
          newLinkFixture({
            referralId: 'ref-1',
            opportunityId: '006A',
            engagementId: 'eng-1',
            pcETag: 'W/"1"',
          }),
        );
        expect(inserted.id).toMatch(/\S/);
        expect(inserted).toMatchObject({
          connectionId: 'conn-a',
          referralId: 'ref-1',
          opportunityId: '006A',
          engagementId: 'eng-1',
          pcETag: 'W/"1"',
          state: 'pending',
          createdAt: START,
          updatedAt: START,
        });
        expect(await store.links.get(inserted.id)).toEqual(inserted);
      });

      it('round-trips the base snapshot and last error as JSON', async () => {
        const base = {
          name: 'Contoso — Azure migration ✓',
          details: { dealValue: 125000.5, currency: 'EUR', closingDateTime: '2026-06-30T00:00:00Z' },
          solutions: [{ id: 'sol-1', publisher: 'Fabrikam' }, { id: 'sol-2' }],
          consent: { share: true, other: false },
          notes: null,
          nested: [[1, 2], [], { empty: {} }],
        };
        const inserted = await store.links.insert(
          newLinkFixture({
            referralId: 'ref-json',
            base,
            lastError: { code: 'validation', message: 'needs a contact' },
          }),
        );
        const read = await store.links.get(inserted.id);
        expect(read?.base).toEqual(base);
        expect(read?.lastError).toEqual({ code: 'validation', message: 'needs a contact' });
        const cleared = await store.links.update(inserted.id, { base: null, lastError: null });
        expect(cleared.base).toBeNull();
        expect(cleared.lastError).toBeNull();
      });

      it('round-trips a base that is a bare JSON string, number or array', async () => {
        for (const [index, base] of ['just text', '{"looks":"like json"}', 42, [1, 'two'], true].entries()) {
          const link = await store.links.insert(newLinkFixture({ referralId: `ref-${index}`, base }));
          expect((await store.links.get(link.id))?.base).toEqual(base);
        }
      });

      it('returns null for ids it never assigned', async () => {
        expect(await store.links.get('999999')).toBeNull();
        expect(await store.links.get('not-an-id')).toBeNull();
      });

      it('refuses a second link for the same referral or opportunity in one connection', async () => {
        await store.links.insert(newLinkFixture({ referralId: 'ref-1', opportunityId: '006A' }));
        const sameReferral = store.links.insert(
          newLinkFixture({ referralId: 'ref-1', opportunityId: '006B' }),
        );
        await expect(sameReferral).rejects.toBeInstanceOf(StoreConflictError);
        await expect(sameReferral).rejects.toThrow(/Referral ref-1 is already linked/);
        const sameOpportunity = store.links.insert(
          newLinkFixture({ referralId: 'ref-2', opportunityId: '006A' }),
        );
        await expect(sameOpportunity).rejects.toBeInstanceOf(StoreConflictError);
        await expect(sameOpportunity).rejects.toThrow(/Opportunity 006A is already linked/);
        expect(await store.links.list({ connectionId: 'conn-a' })).toHaveLength(1);
      });

      it('allows the same ids in another connection and any number of links with missing ids', async () => {
        await store.links.insert(newLinkFixture({ referralId: 'ref-1', opportunityId: '006A' }));
        await store.links.insert(
          newLinkFixture({ connectionId: 'conn-b', referralId: 'ref-1', opportunityId: '006A' }),
        );
        await store.links.insert(newLinkFixture({ referralId: 'ref-2' }));
        await store.links.insert(newLinkFixture({ referralId: 'ref-3' }));
        await store.links.insert(newLinkFixture({ opportunityId: '006B' }));
        await store.links.insert(newLinkFixture({ opportunityId: '006C' }));
        expect(await store.links.list({ connectionId: 'conn-a' })).toHaveLength(5);
        expect(await store.links.list({ connectionId: 'conn-b' })).toHaveLength(1);
      });

      it('updates only the patched fields and moves updatedAt', async () => {
        const inserted = await store.links.insert(newLinkFixture({ opportunityId: '006A', base: { a: 1 } }));
        clock.advance(5_000);
        const updated = await store.links.update(inserted.id, {
          referralId: 'ref-9',
          state: 'synced',
          sfSystemModstamp: '2026-03-01T10:00:04.000Z',
        });
        expect(updated).toEqual({
          ...inserted,
          referralId: 'ref-9',
          state: 'synced',
          sfSystemModstamp: '2026-03-01T10:00:04.000Z',
          updatedAt: '2026-03-01T10:00:05.000Z',
        });
        expect(await store.links.get(inserted.id)).toEqual(updated);
      });

      it('keeps a pending write until it is cleared', async () => {
        const inserted = await store.links.insert(newLinkFixture({ opportunityId: '006A' }));
        expect(inserted.pendingWrite).toBeNull();
        const pendingWrite = {
          startedAt: '2026-03-01T10:00:00.000Z',
          changes: [{ field: 'dealValue', side: 'salesforce' as const, before: 1, after: { n: [2] } }],
        };
        await store.links.update(inserted.id, { pendingWrite });
        expect((await store.links.get(inserted.id))?.pendingWrite).toEqual(pendingWrite);
        await store.links.update(inserted.id, { state: 'synced' });
        expect((await store.links.get(inserted.id))?.pendingWrite).toEqual(pendingWrite);
        await store.links.update(inserted.id, { pendingWrite: null });
        expect((await store.links.get(inserted.id))?.pendingWrite).toBeNull();
      });

      it('refuses an update that would link an already linked id, and fails for an unknown link', async () => {
        await store.links.insert(newLinkFixture({ referralId: 'ref-1', opportunityId: '006A' }));
        const other = await store.links.insert(newLinkFixture({ opportunityId: '006B' }));
        await expect(store.links.update(other.id, { referralId: 'ref-1' })).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        expect((await store.links.get(other.id))?.referralId).toBeNull();
        await expect(store.links.update('424242', { state: 'synced' })).rejects.toThrow(
          /Link 424242 does not exist/,
        );
      });

      it('finds links by referral id and by opportunity id within a connection', async () => {
        const a = await store.links.insert(newLinkFixture({ referralId: 'ref-1', opportunityId: '006A' }));
        const b = await store.links.insert(
          newLinkFixture({ connectionId: 'conn-b', referralId: 'ref-1', opportunityId: '006A' }),
        );
        expect(await store.links.findByReferralId('conn-a', 'ref-1')).toEqual(a);
        expect(await store.links.findByReferralId('conn-b', 'ref-1')).toEqual(b);
        expect(await store.links.findByOpportunityId('conn-a', '006A')).toEqual(a);
        expect(await store.links.findByReferralId('conn-a', 'ref-x')).toBeNull();
        expect(await store.links.findByOpportunityId('conn-c', '006A')).toBeNull();
      });

      it('lists links in insertion order, filtered by state, paged by afterId', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) {
          const link = await store.links.insert(
            newLinkFixture({ referralId: `ref-${i}`, state: i % 2 === 0 ? 'synced' : 'error' }),
          );
          ids.push(link.id);
        }
        await store.links.insert(newLinkFixture({ connectionId: 'conn-b', referralId: 'ref-0' }));
        const all = await store.links.list({ connectionId: 'conn-a' });
        expect(all.map((link) => link.id)).toEqual(ids);
        const firstPage = await store.links.list({ connectionId: 'conn-a', limit: 3 });
        expect(firstPage.map((link) => link.referralId)).toEqual(['ref-0', 'ref-1', 'ref-2']);
        const secondPage = await store.links.list({
          connectionId: 'conn-a',
          limit: 3,
          afterId: firstPage[2]!.id,
        });
        expect(secondPage.map((link) => link.referralId)).toEqual(['ref-3', 'ref-4', 'ref-5']);
        const synced = await store.links.list({ connectionId: 'conn-a', state: 'synced' });
        expect(synced.map((link) => link.referralId)).toEqual(['ref-0', 'ref-2', 'ref-4', 'ref-6']);
        const errorsAfter = await store.links.list({
          connectionId: 'conn-a',
          state: 'error',
          afterId: ids[1]!,
        });
        expect(errorsAfter.map((link) => link.referralId)).toEqual(['ref-3', 'ref-5']);
      });

      it('counts links by state, with every state present', async () => {
        expect(await store.links.countByState('conn-a')).toEqual({
          synced: 0,
          pending: 0,
          error: 0,
          conflict: 0,
          paused: 0,
        });
        await store.links.insert(newLinkFixture({ referralId: 'r1', state: 'synced' }));
        await store.links.insert(newLinkFixture({ referralId: 'r2', state: 'synced' }));
        await store.links.insert(newLinkFixture({ referralId: 'r3', state: 'paused' }));
        await store.links.insert(
          newLinkFixture({ connectionId: 'conn-b', referralId: 'r4', state: 'error' }),
        );
        expect(await store.links.countByState('conn-a')).toEqual({
          synced: 2,
          pending: 0,
          error: 0,
          conflict: 0,
          paused: 1,
        });
      });
    });

    describe('audit', () => {
      it('appends an entry and returns it with its changes and error intact', async () => {
        const link = await store.links.insert(newLinkFixture({ referralId: 'ref-1', opportunityId: '006A' }));
        const entry = await store.audit.append(
          newAuditFixture({
            linkId: link.id,
            referralId: 'ref-1',
            opportunityId: '006A',
            direction: 'both',
            outcome: 'conflict',
            changes: [
              { field: 'Amount', side: 'salesforce', before: 100, after: 250.75 },
              { field: 'details.notes', side: 'partnerCenter', before: null, after: { text: 'ü' } },
            ],
            error: { code: 'conflict', message: 'both sides changed Amount' },
            message: 'Amount changed on both sides; Partner Center wins',
          }),
        );
        expect(entry.id).toMatch(/\S/);
        const [listed] = await store.audit.list({ connectionId: 'conn-a' });
        expect(listed).toEqual(entry);
        expect(listed?.linkId).toBe(link.id);
        expect(listed?.changes[1]?.after).toEqual({ text: 'ü' });
      });

      it('lists newest first (ties by insertion), pages with beforeId and filters by link and outcome', async () => {
        const link = await store.links.insert(newLinkFixture({ referralId: 'ref-1' }));
        const at = (second: number) => `2026-03-01T10:00:${String(second).padStart(2, '0')}.000Z`;
        await store.audit.append(newAuditFixture({ at: at(3), message: 'm3' }));
        await store.audit.append(newAuditFixture({ at: at(1), message: 'm1', linkId: link.id }));
        await store.audit.append(newAuditFixture({ at: at(2), message: 'm2a', outcome: 'error' }));
        await store.audit.append(newAuditFixture({ at: at(2), message: 'm2b', linkId: link.id }));
        await store.audit.append(newAuditFixture({ at: at(5), message: 'm5', outcome: 'error' }));
        await store.audit.append(newAuditFixture({ connectionId: 'conn-b', at: at(9), message: 'other' }));

        const all = await store.audit.list({ connectionId: 'conn-a' });
        expect(all.map((entry) => entry.message)).toEqual(['m5', 'm3', 'm2b', 'm2a', 'm1']);
        const page1 = await store.audit.list({ connectionId: 'conn-a', limit: 2 });
        expect(page1.map((entry) => entry.message)).toEqual(['m5', 'm3']);
        const page2 = await store.audit.list({ connectionId: 'conn-a', limit: 2, beforeId: page1[1]!.id });
        expect(page2.map((entry) => entry.message)).toEqual(['m2b', 'm2a']);
        const page3 = await store.audit.list({ connectionId: 'conn-a', limit: 2, beforeId: page2[1]!.id });
        expect(page3.map((entry) => entry.message)).toEqual(['m1']);

        const forLink = await store.audit.list({ connectionId: 'conn-a', linkId: link.id });
        expect(forLink.map((entry) => entry.message)).toEqual(['m2b', 'm1']);
        const errors = await store.audit.list({ connectionId: 'conn-a', outcome: 'error' });
        expect(errors.map((entry) => entry.message)).toEqual(['m5', 'm2a']);
      });

      it('rejects a link id the store never assigned', async () => {
        await expect(store.audit.append(newAuditFixture({ linkId: 'link-abc' }))).rejects.toThrow(
          /not a link id/,
        );
      });
    });

    describe('inbox', () => {
      const delivery = (
        dedupKey: string,
        overrides: { connectionId?: string; receivedAt?: string } = {},
      ) => ({
        connectionId: overrides.connectionId ?? 'conn-a',
        dedupKey,
        receivedAt: overrides.receivedAt ?? START,
        eventName: 'referral-updated',
        resourceId: 'ref-1',
        body: `{"EventName":"referral-updated","key":"${dedupKey}"}`,
      });

      it('stores a delivery once: a duplicate body returns the stored row with inserted false', async () => {
        const first = await store.inbox.insertIfNew(delivery('hash-1'));
        expect(first.inserted).toBe(true);
        expect(first.row).toMatchObject({
          dedupKey: 'hash-1',
          processedAt: null,
          eventName: 'referral-updated',
        });
        const again = await store.inbox.insertIfNew({
          ...delivery('hash-1'),
          receivedAt: '2026-03-01T11:00:00.000Z',
        });
        expect(again).toEqual({ inserted: false, row: first.row });
        const otherConnection = await store.inbox.insertIfNew(delivery('hash-1', { connectionId: 'conn-b' }));
        expect(otherConnection.inserted).toBe(true);
        expect(await store.inbox.listUnprocessed('conn-a', 10)).toEqual([first.row]);
      });

      it('stores duplicates delivered concurrently exactly once', async () => {
        const results = await Promise.all(
          Array.from({ length: 8 }, () => store.inbox.insertIfNew(delivery('same'))),
        );
        expect(results.filter((result) => result.inserted)).toHaveLength(1);
        expect(new Set(results.map((result) => result.row.id)).size).toBe(1);
      });

      it('stores several deliveries in one statement: results in order, the first of two equal bodies inserted', async () => {
        const earlier = await store.inbox.insertIfNew(delivery('many-0'));
        const results = await store.inbox.insertManyIfNew([
          delivery('many-1'),
          delivery('many-0'),
          delivery('many-2'),
          delivery('many-1'),
          delivery('many-1', { connectionId: 'conn-b' }),
        ]);
        expect(
          results.map((result) => [result.row.dedupKey, result.row.connectionId, result.inserted]),
        ).toEqual([
          ['many-1', 'conn-a', true],
          ['many-0', 'conn-a', false],
          ['many-2', 'conn-a', true],
          ['many-1', 'conn-a', false],
          ['many-1', 'conn-b', true],
        ]);
        expect(results[1]?.row).toEqual(earlier.row);
        expect(results[3]?.row).toEqual(results[0]?.row);
        expect(new Set(results.map((result) => result.row.id)).size).toBe(4);
        expect((await store.inbox.listUnprocessed('conn-a', 10)).map((row) => row.dedupKey).sort()).toEqual([
          'many-0',
          'many-1',
          'many-2',
        ]);
        expect(await store.inbox.insertManyIfNew([])).toEqual([]);
      });

      it('lists unprocessed deliveries oldest first, marks them processed and prunes old processed ones', async () => {
        const a = await store.inbox.insertIfNew(delivery('a', { receivedAt: '2026-03-01T09:00:00.000Z' }));
        const b = await store.inbox.insertIfNew(delivery('b', { receivedAt: '2026-03-01T09:30:00.000Z' }));
        const c = await store.inbox.insertIfNew(delivery('c', { receivedAt: '2026-03-01T10:30:00.000Z' }));
        expect((await store.inbox.listUnprocessed('conn-a', 2)).map((row) => row.dedupKey)).toEqual([
          'a',
          'b',
        ]);
        await store.inbox.markProcessed(a.row.id, '2026-03-01T10:00:01.000Z');
        await store.inbox.markProcessed(c.row.id, '2026-03-01T10:30:01.000Z');
        expect((await store.inbox.listUnprocessed('conn-a', 10)).map((row) => row.dedupKey)).toEqual(['b']);
        // Only processed rows received before the instant go: a (processed, old). Not b (unprocessed), not c (new).
        expect(await store.inbox.prune('2026-03-01T10:00:00.000Z')).toBe(1);
        expect((await store.inbox.insertIfNew(delivery('a'))).inserted).toBe(true);
        expect((await store.inbox.insertIfNew(delivery('b'))).row).toEqual(b.row);
        expect((await store.inbox.insertIfNew(delivery('c'))).row.processedAt).toBe(
          '2026-03-01T10:30:01.000Z',
        );
      });
    });

    describe('cursors', () => {
      it('returns null before the first set, then the latest value per connection and source', async () => {
        expect(await store.cursors.get('conn-a', 'salesforce.opportunity')).toBeNull();
        await store.cursors.set('conn-a', 'salesforce.opportunity', '2026-03-01T10:00:00.000Z');
        await store.cursors.set('conn-a', 'partnerCenter.referrals', 'pc-1');
        await store.cursors.set('conn-b', 'salesforce.opportunity', 'other');
        await store.cursors.set('conn-a', 'salesforce.opportunity', '2026-03-01T10:05:00.000Z');
        expect(await store.cursors.get('conn-a', 'salesforce.opportunity')).toBe('2026-03-01T10:05:00.000Z');
        expect(await store.cursors.get('conn-a', 'partnerCenter.referrals')).toBe('pc-1');
        expect(await store.cursors.get('conn-b', 'salesforce.opportunity')).toBe('other');
      });
    });

    describe('sync outcomes', () => {
      it("lists a run's outcomes oldest first, after a row id, and prunes only that run", async () => {
        await store.syncOutcomes.record('run-1', 'conn-a', { runIndex: 0, result: { action: 'noop' } });
        await store.transaction(async (tx) => {
          await tx.syncOutcomes.record('run-1', 'conn-a', { runIndex: 1, error: 'boom' });
          await tx.syncOutcomes.record('run-2', 'conn-a', { runIndex: 0 });
        });
        const rows = await store.syncOutcomes.list('run-1');
        expect(rows.map((row) => row.outcome)).toEqual([
          { runIndex: 0, result: { action: 'noop' } },
          { runIndex: 1, error: 'boom' },
        ]);
        expect((await store.syncOutcomes.list('run-1', rows[0]!.id)).map((row) => row.outcome)).toEqual([
          { runIndex: 1, error: 'boom' },
        ]);
        await store.syncOutcomes.prune('run-1');
        expect(await store.syncOutcomes.list('run-1')).toEqual([]);
        expect(await store.syncOutcomes.list('run-2')).toHaveLength(1);
      });
    });

    describe('dead letters', () => {
      const deadLetter = (jobKey: string, connectionId: string | null = 'conn-a') => ({
        connectionId,
        jobName: 'sync-deal',
        jobKey,
        payload: { referralId: jobKey, nested: { list: [1, 'two', null] } },
        attempts: 8,
        errorKind: 'permanent',
        errorMessage: 'Partner Center refused the update: status Closed is terminal',
        failedAt: START,
      });

      it('adds, gets, lists newest first (optionally per connection) and removes dead letters', async () => {
        const first = await store.deadLetters.add(deadLetter('k1'));
        const second = await store.deadLetters.add(deadLetter('k2', null));
        const third = await store.deadLetters.add(deadLetter('k3'));
        expect(first).toEqual({ id: first.id, ...deadLetter('k1') });
        expect(await store.deadLetters.get(second.id)).toEqual(second);
        expect(second.connectionId).toBeNull();
        expect((await store.deadLetters.list({})).map((row) => row.jobKey)).toEqual(['k3', 'k2', 'k1']);
        expect((await store.deadLetters.list({ limit: 1 })).map((row) => row.jobKey)).toEqual(['k3']);
        expect((await store.deadLetters.list({ connectionId: 'conn-a' })).map((row) => row.jobKey)).toEqual([
          'k3',
          'k1',
        ]);
        expect(await store.deadLetters.remove(third.id)).toBe(true);
        expect(await store.deadLetters.remove(third.id)).toBe(false);
        expect(await store.deadLetters.remove('nonsense')).toBe(false);
        expect(await store.deadLetters.get(third.id)).toBeNull();
        expect((await store.deadLetters.list({})).map((row) => row.jobKey)).toEqual(['k2', 'k1']);
      });

      it('keeps payloads of any JSON shape', async () => {
        for (const payload of ['a plain string', 7, null, ['x', { y: 1 }]]) {
          const row = await store.deadLetters.add({ ...deadLetter('shape'), payload });
          expect((await store.deadLetters.get(row.id))?.payload).toEqual(payload);
        }
      });
    });

    describe('secrets', () => {
      it('puts, overwrites, lists names, and deletes ciphertexts per connection', async () => {
        expect(await store.secrets.get('conn-a', 'salesforce.refreshToken')).toBeNull();
        await store.secrets.put('conn-a', 'salesforce.refreshToken', 'enc:v1:aaa');
        await store.secrets.put('conn-a', 'partnerCenter.tokenCache', 'enc:v1:bbb');
        await store.secrets.put('conn-b', 'salesforce.refreshToken', 'enc:v1:ccc');
        await store.secrets.put('conn-a', 'salesforce.refreshToken', 'enc:v1:ddd');
        expect(await store.secrets.get('conn-a', 'salesforce.refreshToken')).toBe('enc:v1:ddd');
        expect(await store.secrets.listNames('conn-a')).toEqual([
          'partnerCenter.tokenCache',
          'salesforce.refreshToken',
        ]);
        await store.secrets.delete('conn-a', 'salesforce.refreshToken');
        await store.secrets.delete('conn-a', 'never-there');
        expect(await store.secrets.get('conn-a', 'salesforce.refreshToken')).toBeNull();
        expect(await store.secrets.get('conn-b', 'salesforce.refreshToken')).toBe('enc:v1:ccc');
        expect(await store.secrets.listNames('conn-a')).toEqual(['partnerCenter.tokenCache']);
      });
    });

    describe('dashboard sessions', () => {
      it('keeps a row by its hash until it is deleted or expires, and deletes it once', async () => {
        const row = (idHash: string, expiresAt: string) => ({
          idHash,
          connectionId: 'conn-a',
          kind: 'session' as const,
          data: { username: 'ana@contoso.example', groups: ['g1'] },
          createdAt: '2026-03-01T10:00:00.000Z',
          expiresAt,
        });
        await store.dashboardSessions.insert(row('hash-live', '2026-03-01T18:00:00.000Z'));
        await store.dashboardSessions.insert(row('hash-old', '2026-03-01T11:00:00.000Z'));
        expect(await store.dashboardSessions.get('hash-live')).toEqual(
          row('hash-live', '2026-03-01T18:00:00.000Z'),
        );
        expect(await store.dashboardSessions.get('never-there')).toBeNull();
        expect(await store.dashboardSessions.deleteExpired('2026-03-01T12:00:00.000Z')).toBe(1);
        expect(await store.dashboardSessions.get('hash-old')).toBeNull();
        expect(await store.dashboardSessions.delete('hash-live')).toBe(true);
        expect(await store.dashboardSessions.delete('hash-live')).toBe(false);
        expect(await store.dashboardSessions.get('hash-live')).toBeNull();
      });
    });

    describe('connections', () => {
      it('creates with defaults, then updates only the fields given', async () => {
        const created = await store.connections.upsert({ id: 'conn-a', name: 'Contoso prod' });
        expect(created).toEqual({
          id: 'conn-a',
          name: 'Contoso prod',
          state: 'active',
          pausedReason: null,
          settings: {},
          createdAt: START,
          updatedAt: START,
        });
        clock.advance(60_000);
        const withSettings = await store.connections.upsert({
          id: 'conn-a',
          name: 'Contoso',
          settings: { pollIntervalMs: 2000, objects: ['Opportunity'] },
        });
        expect(withSettings).toMatchObject({ name: 'Contoso', state: 'active', createdAt: START });
        expect(withSettings.settings).toEqual({ pollIntervalMs: 2000, objects: ['Opportunity'] });
        expect(withSettings.updatedAt).toBe('2026-03-01T10:01:00.000Z');
        const renamed = await store.connections.upsert({ id: 'conn-a', name: 'Contoso EU' });
        expect(renamed.settings).toEqual({ pollIntervalMs: 2000, objects: ['Opportunity'] });
        expect(await store.connections.get('conn-a')).toEqual(renamed);
        expect(await store.connections.get('missing')).toBeNull();
      });

      it('pauses and resumes a connection with a reason, and lists connections by id', async () => {
        await store.connections.upsert({ id: 'conn-b', name: 'B' });
        await store.connections.upsert({ id: 'conn-a', name: 'A', state: 'paused', pausedReason: 'set up' });
        await store.connections.setState(
          'conn-b',
          'paused',
          'Partner Center sign-in expired: run cosell connect',
        );
        expect(await store.connections.get('conn-b')).toMatchObject({
          state: 'paused',
          pausedReason: 'Partner Center sign-in expired: run cosell connect',
        });
        await store.connections.setState('conn-a', 'active', null);
        const listed = await store.connections.list();
        expect(listed.map((row) => [row.id, row.state, row.pausedReason])).toEqual([
          ['conn-a', 'active', null],
          ['conn-b', 'paused', 'Partner Center sign-in expired: run cosell connect'],
        ]);
        await expect(store.connections.setState('missing', 'paused', 'x')).rejects.toThrow(/does not exist/);
      });
    });

    describe('transactions', () => {
      it('commits every write when the function resolves and returns its value', async () => {
        const result = await store.transaction(async (tx) => {
          const link = await tx.links.insert(newLinkFixture({ referralId: 'ref-1' }));
          await tx.audit.append(newAuditFixture({ linkId: link.id }));
          await tx.cursors.set('conn-a', 'sf', 'v1');
          return link.id;
        });
        expect(await store.links.get(result)).not.toBeNull();
        expect(await store.audit.list({ connectionId: 'conn-a' })).toHaveLength(1);
        expect(await store.cursors.get('conn-a', 'sf')).toBe('v1');
      });

      it('leaves nothing behind when the function throws, and rethrows the error', async () => {
        await store.cursors.set('conn-a', 'sf', 'before');
        const attempt = store.transaction(async (tx) => {
          const link = await tx.links.insert(newLinkFixture({ referralId: 'ref-1' }));
          await tx.links.update(link.id, { state: 'synced' });
          await tx.audit.append(newAuditFixture({ linkId: link.id }));
          await tx.cursors.set('conn-a', 'sf', 'after');
          await tx.inbox.insertIfNew({
            connectionId: 'conn-a',
            dedupKey: 'k',
            receivedAt: START,
            eventName: 'referral-created',
            resourceId: null,
            body: '{}',
          });
          await tx.deadLetters.add({
            connectionId: null,
            jobName: 'j',
            jobKey: 'k',
            payload: null,
            attempts: 1,
            errorKind: 'permanent',
            errorMessage: 'x',
            failedAt: START,
          });
          await tx.secrets.put('conn-a', 'token', 'enc');
          await tx.connections.upsert({ id: 'conn-a', name: 'A' });
          throw new Rollback('stop');
        });
        await expect(attempt).rejects.toBeInstanceOf(Rollback);
        expect(await store.links.list({ connectionId: 'conn-a' })).toEqual([]);
        expect(await store.audit.list({ connectionId: 'conn-a' })).toEqual([]);
        expect(await store.cursors.get('conn-a', 'sf')).toBe('before');
        expect(await store.inbox.listUnprocessed('conn-a', 10)).toEqual([]);
        expect(await store.deadLetters.list({})).toEqual([]);
        expect(await store.secrets.listNames('conn-a')).toEqual([]);
        expect(await store.connections.list()).toEqual([]);
      });

      it('stays usable after a caught link conflict inside the transaction', async () => {
        await store.links.insert(newLinkFixture({ referralId: 'ref-1' }));
        await store.transaction(async (tx) => {
          await tx.cursors.set('conn-a', 'sf', 'kept');
          await expect(tx.links.insert(newLinkFixture({ referralId: 'ref-1' }))).rejects.toBeInstanceOf(
            StoreConflictError,
          );
          await tx.links.insert(newLinkFixture({ referralId: 'ref-2' }));
        });
        expect(await store.cursors.get('conn-a', 'sf')).toBe('kept');
        expect((await store.links.list({ connectionId: 'conn-a' })).map((link) => link.referralId)).toEqual([
          'ref-1',
          'ref-2',
        ]);
      });

      it('keeps writes made outside an open transaction out of it', async () => {
        const inside = deferred();
        const release = deferred();
        const attempt = store.transaction(async (tx) => {
          await tx.cursors.set('conn-a', 'inside', 'x');
          inside.resolve();
          await release.promise;
          throw new Rollback('stop');
        });
        await inside.promise;
        const outside = store.cursors.set('conn-a', 'outside', 'y');
        release.resolve();
        await expect(attempt).rejects.toBeInstanceOf(Rollback);
        await outside;
        expect(await store.cursors.get('conn-a', 'outside')).toBe('y');
        expect(await store.cursors.get('conn-a', 'inside')).toBeNull();
      });

      it('refuses the store itself and nested transactions inside a transaction, and rolls back', async () => {
        const viaStore = store.transaction(async (tx) => {
          await tx.cursors.set('conn-a', 'sf', 'inside');
          await store.cursors.set('conn-a', 'other', 'outside');
        });
        await expect(viaStore).rejects.toThrow(/use the repositories fn receives/);
        const nested = store.transaction(async () => store.transaction(async () => 'never'));
        await expect(nested).rejects.toThrow(/transactions do not nest/);
        expect(await store.cursors.get('conn-a', 'sf')).toBeNull();
        expect(await store.cursors.get('conn-a', 'other')).toBeNull();
      });

      it('runs concurrent transactions without losing any of them', async () => {
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.transaction(async (tx) => {
              const link = await tx.links.insert(newLinkFixture({ referralId: `ref-${i}` }));
              await tx.audit.append(newAuditFixture({ linkId: link.id, message: `m${i}` }));
            }),
          ),
        );
        expect(await store.links.list({ connectionId: 'conn-a' })).toHaveLength(10);
        expect(await store.audit.list({ connectionId: 'conn-a' })).toHaveLength(10);
      });
    });
  });
}
