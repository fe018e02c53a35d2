/**
 * Contract for incidents and the two alert read queries (inbox lastReceivedAt, audit lastAt), on a real
 * SQLite file and — when DATABASE_URL is set — a real Postgres schema.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll, storeBackends } from '../../test/support/testStores.ts';
import { type NewAuditEntry, type NewIncident, StoreConflictError } from './store.ts';

const backends = storeBackends();
afterAll(() => cleanupAll(backends));

function pausedIncident(overrides: Partial<NewIncident> = {}): NewIncident {
  return {
    connectionId: 'conn-a',
    kind: 'connection_paused',
    title: 'Connection paused',
    summary: 'Partner Center sign-in expired',
    fix: 'run cosell connect partner-center',
    facts: { reason: 'expired' },
    openedAt: '2026-03-01T10:00:00.000Z',
    ...overrides,
  };
}

function audit(overrides: Partial<NewAuditEntry>): NewAuditEntry {
  return {
    connectionId: 'conn-a',
    linkId: null,
    referralId: 'ref-1',
    opportunityId: null,
    at: '2026-03-01T10:00:00.000Z',
    trigger: 'reconcile',
    direction: 'toSalesforce',
    outcome: 'ok',
    changes: [],
    error: null,
    message: 'updated',
    ...overrides,
  };
}

for (const backend of backends) {
  describe(`incidents on ${backend.name}`, () => {
    it('opens, refreshes and closes an incident, keeping one open incident per kind and connection', async () => {
      const store = await backend.open();
      const opened = await store.incidents.open(pausedIncident());
      expect(opened).toMatchObject({
        kind: 'connection_paused',
        closedAt: null,
        lastSeenAt: '2026-03-01T10:00:00.000Z',
        facts: { reason: 'expired' },
        notifications: {},
      });
      await expect(store.incidents.open(pausedIncident())).rejects.toBeInstanceOf(StoreConflictError);
      // Another connection, or another kind, may have its own open incident.
      await store.incidents.open(pausedIncident({ connectionId: 'conn-b' }));
      const deadLetters = await store.incidents.open(pausedIncident({ kind: 'dead_letters' }));
      expect(deadLetters.closedAt).toBeNull();

      const refreshed = await store.incidents.refresh(opened.id, {
        title: 'Connection paused',
        summary: 'MFA missing',
        fix: 'sign in with MFA',
        facts: { reason: 'mfa' },
        lastSeenAt: '2026-03-01T10:05:00.000Z',
      });
      expect(refreshed).toMatchObject({ summary: 'MFA missing', lastSeenAt: '2026-03-01T10:05:00.000Z' });
      expect(refreshed.openedAt).toBe('2026-03-01T10:00:00.000Z');

      const closed = await store.incidents.close(opened.id, '2026-03-01T10:10:00.000Z');
      expect(closed.closedAt).toBe('2026-03-01T10:10:00.000Z');
      // Closing twice keeps the first close time.
      expect((await store.incidents.close(opened.id, '2026-03-01T11:00:00.000Z')).closedAt).toBe(
        '2026-03-01T10:10:00.000Z',
      );
      // The kind can open again once closed.
      const reopened = await store.incidents.open(pausedIncident({ openedAt: '2026-03-01T12:00:00.000Z' }));
      expect(reopened.id).not.toBe(opened.id);
      expect((await store.incidents.listOpen('conn-a')).map((row) => [row.kind, row.openedAt])).toEqual([
        ['connection_paused', '2026-03-01T12:00:00.000Z'],
        ['dead_letters', '2026-03-01T10:00:00.000Z'],
      ]);
    });

    it('records notifications per destination and event without losing the others', async () => {
      const store = await backend.open();
      const incident = await store.incidents.open(pausedIncident());
      await store.incidents.markNotified(incident.id, 'teams', 'opened', '2026-03-01T10:00:01.000Z');
      await store.incidents.markNotified(incident.id, 'slack', 'opened', '2026-03-01T10:00:02.000Z');
      const row = await store.incidents.markNotified(
        incident.id,
        'teams',
        'resolved',
        '2026-03-01T10:09:00.000Z',
      );
      expect(row.notifications).toEqual({
        teams: { openedAt: '2026-03-01T10:00:01.000Z', resolvedAt: '2026-03-01T10:09:00.000Z' },
        slack: { openedAt: '2026-03-01T10:00:02.000Z' },
      });
      await expect(
        store.incidents.markNotified('999999', 'teams', 'opened', '2026-03-01T10:00:00.000Z'),
      ).rejects.toThrow(/does not exist/);
    });

    it('lists open incidents and those closed since an instant, newest first, per connection', async () => {
      const store = await backend.open();
      const old = await store.incidents.open(
        pausedIncident({ kind: 'dead_letters', openedAt: '2026-03-01T08:00:00.000Z' }),
      );
      await store.incidents.close(old.id, '2026-03-01T08:30:00.000Z');
      const recent = await store.incidents.open(
        pausedIncident({ kind: 'webhook_silent', openedAt: '2026-03-01T09:00:00.000Z' }),
      );
      await store.incidents.close(recent.id, '2026-03-01T09:30:00.000Z');
      const open = await store.incidents.open(pausedIncident({ openedAt: '2026-03-01T10:00:00.000Z' }));
      await store.incidents.open(pausedIncident({ connectionId: 'conn-b' }));

      const listed = await store.incidents.listRecent({
        connectionId: 'conn-a',
        closedSince: '2026-03-01T09:00:00.000Z',
      });
      expect(listed.map((row) => row.id)).toEqual([open.id, recent.id]);
      expect(
        await store.incidents.listRecent({
          connectionId: 'conn-a',
          closedSince: '2026-03-01T09:00:00.000Z',
          limit: 1,
        }),
      ).toHaveLength(1);
    });

    it('reports the newest webhook delivery per connection', async () => {
      const store = await backend.open();
      expect(await store.inbox.lastReceivedAt('conn-a')).toBeNull();
      for (const [dedupKey, receivedAt, connectionId] of [
        ['a', '2026-03-01T10:00:00.000Z', 'conn-a'],
        ['b', '2026-03-01T10:05:00.000Z', 'conn-a'],
        ['c', '2026-03-01T11:00:00.000Z', 'conn-b'],
      ] as const) {
        await store.inbox.insertIfNew({
          connectionId,
          dedupKey,
          receivedAt,
          eventName: 'referral-updated',
          resourceId: 'r',
          body: '{}',
        });
      }
      expect(await store.inbox.lastReceivedAt('conn-a')).toBe('2026-03-01T10:05:00.000Z');
    });

    it('finds the newest audit entry matching trigger, outcomes and directions', async () => {
      const store = await backend.open();
      const query = {
        connectionId: 'conn-a',
        trigger: 'reconcile',
        outcomes: ['ok', 'conflict'] as const,
        directions: ['toSalesforce', 'both'] as const,
      };
      expect(await store.audit.lastAt(query)).toBeNull();
      await store.audit.append(audit({ at: '2026-03-01T10:00:00.000Z' }));
      await store.audit.append(
        audit({ at: '2026-03-01T10:01:00.000Z', direction: 'both', outcome: 'conflict' }),
      );
      // None of these match: another trigger, a noop, a change that went only to Partner Center, another connection.
      await store.audit.append(audit({ at: '2026-03-01T10:02:00.000Z', trigger: 'webhook' }));
      await store.audit.append(audit({ at: '2026-03-01T10:03:00.000Z', outcome: 'noop', direction: 'none' }));
      await store.audit.append(audit({ at: '2026-03-01T10:04:00.000Z', direction: 'toPartnerCenter' }));
      await store.audit.append(audit({ at: '2026-03-01T10:05:00.000Z', connectionId: 'conn-b' }));
      expect(await store.audit.lastAt(query)).toBe('2026-03-01T10:01:00.000Z');
      expect(await store.audit.lastAt({ connectionId: 'conn-a' })).toBe('2026-03-01T10:04:00.000Z');
      expect(await store.audit.lastAt({ connectionId: 'conn-a', outcomes: [] })).toBeNull();
    });
  });
}
