/**
 * Pure: which messages are still owed. Every destination gets one opening message per incident while it is
 * open, and one recovery message after it closed if it got the opening one: each destination sees pairs,
 * never a recovery for an incident it was not told about. A message is owed until its delivery is recorded,
 * so a destination that was down gets it at a later evaluation, and one that got it never gets it twice.
 */
import type { IncidentNotifications } from '../store/store.ts';

export type AlertEvent = 'opened' | 'resolved';

export interface NotifiableIncident {
  id: string;
  closedAt: string | null;
  notifications: Record<string, IncidentNotifications>;
}

export interface OwedNotification<I extends NotifiableIncident = NotifiableIncident> {
  incident: I;
  destination: string;
  event: AlertEvent;
}

export function planNotifications<I extends NotifiableIncident>(
  incidents: readonly I[],
  destinations: readonly string[],
): OwedNotification<I>[] {
  const owed: OwedNotification<I>[] = [];
  for (const incident of incidents) {
    for (const destination of destinations) {
      const sent = incident.notifications[destination] ?? {};
      if (incident.closedAt === null) {
        if (!sent.openedAt) owed.push({ incident, destination, event: 'opened' });
      } else if (sent.openedAt && !sent.resolvedAt) {
        owed.push({ incident, destination, event: 'resolved' });
      }
    }
  }
  return owed;
}
