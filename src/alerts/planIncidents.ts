/**
 * Pure incident lifecycle: condition readings in, open/refresh/close decisions out. An active condition
 * with no open incident opens one; an open incident whose condition cleared closes; an unknown reading
 * changes nothing. Notifications are decided separately (planNotifications.ts).
 */
import type { ConditionReading, IncidentKind, IncidentText } from './alertConditions.ts';

export interface OpenIncident {
  id: string;
  kind: string;
}

export interface IncidentPlan {
  open: ({ kind: IncidentKind } & IncidentText)[];
  refresh: ({ id: string } & IncidentText)[];
  close: { id: string; kind: string }[];
}

export function planIncidents(
  readings: readonly ConditionReading[],
  openIncidents: readonly OpenIncident[],
): IncidentPlan {
  const plan: IncidentPlan = { open: [], refresh: [], close: [] };
  const openByKind = new Map(openIncidents.map((incident) => [incident.kind, incident]));
  for (const reading of readings) {
    const current = openByKind.get(reading.kind);
    if (reading.state === 'active') {
      const { title, summary, fix, facts } = reading;
      if (current) plan.refresh.push({ id: current.id, title, summary, fix, facts });
      else plan.open.push({ kind: reading.kind, title, summary, fix, facts });
    } else if (reading.state === 'clear' && current) {
      plan.close.push({ id: current.id, kind: current.kind });
    }
  }
  return plan;
}
