import { describe, expect, it } from 'vitest';
import { planNotifications } from './planNotifications.ts';

const at = '2026-03-01T10:00:00.000Z';

describe('planNotifications', () => {
  it('owes each destination one opening message while open and one recovery after it was told of the opening', () => {
    const incidents = [
      { id: 'open-new', closedAt: null, notifications: {} },
      { id: 'open-told-teams', closedAt: null, notifications: { teams: { openedAt: at } } },
      { id: 'closed-told-teams', closedAt: at, notifications: { teams: { openedAt: at } } },
      {
        id: 'closed-done',
        closedAt: at,
        notifications: { teams: { openedAt: at, resolvedAt: at }, slack: { openedAt: at, resolvedAt: at } },
      },
      // Slack never got the opening message (it was down): it gets no lone recovery message either.
      { id: 'closed-untold', closedAt: at, notifications: {} },
    ];
    const owed = planNotifications(incidents, ['teams', 'slack']).map((item) => [
      item.incident.id,
      item.destination,
      item.event,
    ]);
    expect(owed).toEqual([
      ['open-new', 'teams', 'opened'],
      ['open-new', 'slack', 'opened'],
      ['open-told-teams', 'slack', 'opened'],
      ['closed-told-teams', 'teams', 'resolved'],
    ]);
  });

  it('owes nothing without destinations', () => {
    expect(planNotifications([{ id: '1', closedAt: null, notifications: {} }], [])).toEqual([]);
  });
});
