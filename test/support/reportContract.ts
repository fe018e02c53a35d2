/**
 * The dashboard's read queries (store.reports) as every Store adapter must answer them; run by
 * describeStoreContract on SQLite and Postgres.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import type { DealSearchQuery, LinkRow, NewAuditEntry, NewLink, Store } from '../../src/store/store.ts';
import { type MakeStore, newAuditFixture, newLinkFixture } from './storeContract.ts';

const START = '2026-03-01T10:00:00.000Z';

const link = (overrides: Partial<NewLink>): NewLink =>
  newLinkFixture({ connectionId: 'conn-r', state: 'synced', ...overrides });

const base = (name: string, account: string | null, dealValue: number | null, direction = 'Incoming') => ({
  name,
  dealValue,
  currency: 'USD',
  direction,
  status: 'Active',
  substatus: 'Accepted',
  customer: account === null ? null : { name: account },
});

const entry = (row: LinkRow, overrides: Partial<NewAuditEntry>): NewAuditEntry =>
  newAuditFixture({
    connectionId: row.connectionId,
    linkId: row.id,
    referralId: row.referralId,
    opportunityId: row.opportunityId,
    ...overrides,
  });

export function describeReportContract(name: string, makeStore: MakeStore): void {
  describe(`Store reports: ${name}`, () => {
    let store: Store;
    let alpine: LinkRow;
    let bakery: LinkRow;
    let cobalt: LinkRow;
    let unnamed: LinkRow;

    beforeEach(async () => {
      store = await makeStore({ clock: new ManualClock(START) });
      alpine = await store.links.insert(
        link({
          referralId: 'ref-a',
          opportunityId: '006A',
          base: base('Alpine 100% rollout', 'Alpine Ski', 900),
        }),
      );
      bakery = await store.links.insert(
        link({
          referralId: 'ref-b',
          opportunityId: '006B',
          base: base('bakery expansion', 'Contoso Bakery', 25_000.5, 'Outgoing'),
          state: 'error',
          lastError: { code: 'invalid', message: 'no currency' },
        }),
      );
      cobalt = await store.links.insert(
        link({ referralId: 'ref-c', opportunityId: '006C', base: base('Cobalt_move', null, null) }),
      );
      unnamed = await store.links.insert(link({ referralId: 'ref-d', state: 'pending' }));
      await store.links.insert(
        link({ connectionId: 'other', referralId: 'ref-a', base: base('Alpine', 'X', 1) }),
      );
    });
    afterEach(async () => {
      await store.close();
    });

    const search = async (query: Omit<DealSearchQuery, 'connectionId'>) => {
      const page = await store.reports.searchDeals({ connectionId: 'conn-r', ...query });
      return { ids: page.rows.map((row) => row.link.referralId), total: page.total };
    };

    it('finds deals by name, account or either id, case-insensitively, with wildcards taken literally', async () => {
      expect((await search({ text: 'ALPINE' })).ids).toEqual(['ref-a']);
      expect((await search({ text: 'contoso' })).ids).toEqual(['ref-b']);
      expect((await search({ text: 'ref-c' })).ids).toEqual(['ref-c']);
      expect((await search({ text: '006b' })).ids).toEqual(['ref-b']);
      expect((await search({ text: '100%' })).ids).toEqual(['ref-a']);
      expect((await search({ text: 'a_p' })).ids).toEqual([]);
      expect((await search({ text: 'lt_m' })).ids).toEqual(['ref-c']);
      expect((await search({ text: 'nothing like it' })).total).toBe(0);
      expect((await search({})).total).toBe(4);
      expect((await search({ linkIds: [cobalt.id, alpine.id], sort: 'name' })).ids).toEqual([
        'ref-a',
        'ref-c',
      ]);
      expect((await search({ linkIds: ['not-an-id'] })).total).toBe(0);
      expect((await search({ linkIds: [] })).total).toBe(0);
    });

    it('filters by state and direction, sorts with empty values last either way, and pages with a total', async () => {
      expect((await search({ state: 'error' })).ids).toEqual(['ref-b']);
      expect((await search({ direction: 'Outgoing' })).ids).toEqual(['ref-b']);
      expect((await search({ sort: 'amount' })).ids).toEqual(['ref-a', 'ref-b', 'ref-c', 'ref-d']);
      expect((await search({ sort: 'amount', descending: true })).ids).toEqual([
        'ref-b',
        'ref-a',
        'ref-d',
        'ref-c',
      ]);
      expect((await search({ sort: 'name' })).ids).toEqual(['ref-a', 'ref-b', 'ref-c', 'ref-d']);
      expect((await search({ sort: 'account', descending: true })).ids).toEqual([
        'ref-b',
        'ref-a',
        'ref-d',
        'ref-c',
      ]);
      expect(await search({ sort: 'name', limit: 2, offset: 2 })).toEqual({
        ids: ['ref-c', 'ref-d'],
        total: 4,
      });
      const [row] = (await store.reports.searchDeals({ connectionId: 'conn-r', state: 'error' })).rows;
      expect(row?.link).toEqual(bakery);
    });

    it('gives each deal its last sync and trigger, ignoring dry runs, and filters on them', async () => {
      await store.audit.append(entry(alpine, { at: '2026-03-01T11:00:00.000Z', trigger: 'webhook' }));
      await store.audit.append(entry(alpine, { at: '2026-03-02T09:00:00.000Z', trigger: 'poll' }));
      await store.audit.append(
        entry(alpine, { at: '2026-03-03T09:00:00.000Z', trigger: 'cli', outcome: 'dry_run' }),
      );
      await store.audit.append(entry(bakery, { at: '2026-03-01T12:00:00.000Z', trigger: 'reconcile' }));
      const page = await store.reports.searchDeals({
        connectionId: 'conn-r',
        sort: 'lastSyncAt',
        descending: true,
      });
      expect(page.rows.map((row) => [row.link.referralId, row.lastSyncAt, row.lastTrigger])).toEqual([
        ['ref-a', '2026-03-02T09:00:00.000Z', 'poll'],
        ['ref-b', '2026-03-01T12:00:00.000Z', 'reconcile'],
        ['ref-d', null, null],
        ['ref-c', null, null],
      ]);
      expect((await search({ trigger: 'poll' })).ids).toEqual(['ref-a']);
      expect((await search({ trigger: 'cli' })).ids).toEqual([]);
      expect((await search({ syncedFrom: '2026-03-02T00:00:00.000Z' })).ids).toEqual(['ref-a']);
      expect((await search({ syncedBefore: '2026-03-02T00:00:00.000Z' })).ids).toEqual(['ref-b']);
    });

    it('marks a deal dead-lettered by a job that failed after its last successful sync, by referral or opportunity id', async () => {
      await store.audit.append(entry(alpine, { at: '2026-03-01T11:00:00.000Z' }));
      const failure = (payload: Record<string, string>, failedAt: string) =>
        store.deadLetters.add({
          connectionId: 'conn-r',
          jobName: 'deal.sync',
          jobKey: `deal:conn-r:${JSON.stringify(payload)}`,
          payload: { connectionId: 'conn-r', trigger: 'poll', ...payload },
          attempts: 5,
          errorKind: 'permanent',
          errorMessage: 'refused',
          failedAt,
        });
      // Before the last successful sync of alpine: healed since, so not shown.
      await failure({ referralId: 'ref-a' }, '2026-03-01T10:30:00.000Z');
      const cobaltDead = await failure({ opportunityId: '006C' }, '2026-03-01T10:30:00.000Z');
      const page = await store.reports.searchDeals({ connectionId: 'conn-r', sort: 'name' });
      expect(page.rows.map((row) => row.deadLetterId)).toEqual([null, null, cobaltDead.id, null]);
      expect((await search({ state: 'deadLettered' })).ids).toEqual(['ref-c']);
      expect((await search({ state: 'attention', sort: 'name' })).ids).toEqual(['ref-b', 'ref-c']);
      const alpineDead = await failure({ referralId: 'ref-a' }, '2026-03-01T12:00:00.000Z');
      const [alpineRow] = (await store.reports.searchDeals({ connectionId: 'conn-r', text: 'ref-a' })).rows;
      expect(alpineRow?.deadLetterId).toBe(alpineDead.id);
      await store.deadLetters.remove(alpineDead.id);
      expect((await search({ state: 'deadLettered' })).ids).toEqual(['ref-c']);
      expect(unnamed.state).toBe('pending');
    });

    it('counts syncs per hour by outcome and per trigger since an instant, leaving out dry runs', async () => {
      await store.audit.append(entry(alpine, { at: '2026-03-01T09:59:59.000Z' }));
      await store.audit.append(entry(alpine, { at: '2026-03-01T10:05:00.000Z', trigger: 'webhook' }));
      await store.audit.append(
        entry(alpine, { at: '2026-03-01T10:55:00.000Z', trigger: 'poll', outcome: 'error' }),
      );
      await store.audit.append(
        entry(bakery, { at: '2026-03-01T12:10:00.000Z', trigger: 'poll', outcome: 'noop' }),
      );
      await store.audit.append(
        entry(bakery, { at: '2026-03-01T12:20:00.000Z', trigger: 'cli', outcome: 'skipped' }),
      );
      await store.audit.append(
        entry(bakery, { at: '2026-03-01T12:30:00.000Z', trigger: 'cli', outcome: 'dry_run' }),
      );
      expect(await store.reports.activity('conn-r', '2026-03-01T10:00:00.000Z')).toEqual({
        buckets: [
          { hourStartAt: '2026-03-01T10:00:00.000Z', ok: 1, errors: 1, other: 0 },
          { hourStartAt: '2026-03-01T12:00:00.000Z', ok: 1, errors: 0, other: 1 },
        ],
        byTrigger: { webhook: 1, poll: 2, cli: 1 },
      });
      expect(await store.reports.activity('other', '2026-03-01T00:00:00.000Z')).toEqual({
        buckets: [],
        byTrigger: {},
      });
    });

    it('tells when each cursor last moved and when the last webhook arrived', async () => {
      expect(await store.reports.lastWebhookAt('conn-r')).toBeNull();
      expect(await store.reports.cursorUpdates('conn-r')).toEqual([]);
      await store.cursors.set('conn-r', 'salesforce.opportunity', '{}');
      for (const [key, at] of [
        ['k1', '2026-03-01T08:00:00.000Z'],
        ['k2', '2026-03-01T09:30:00.000Z'],
      ] as const)
        await store.inbox.insertIfNew({
          connectionId: 'conn-r',
          dedupKey: key,
          receivedAt: at,
          eventName: 'referral-updated',
          resourceId: null,
          body: '{}',
        });
      expect(await store.reports.cursorUpdates('conn-r')).toEqual([
        { source: 'salesforce.opportunity', updatedAt: START },
      ]);
      expect(await store.reports.lastWebhookAt('conn-r')).toBe('2026-03-01T09:30:00.000Z');
    });
  });
}
