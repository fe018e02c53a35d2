import { describe, expect, it } from 'vitest';
import type { ConditionReading } from './alertConditions.ts';
import { planIncidents } from './planIncidents.ts';

const text = { title: 'T', summary: 'S', fix: 'F', facts: { n: 1 } };

describe('planIncidents', () => {
  it('opens an incident for a new condition, refreshes an open one, closes a cleared one, and leaves unknowns alone', () => {
    const readings: ConditionReading[] = [
      { kind: 'connection_paused', state: 'active', ...text },
      { kind: 'dead_letters', state: 'active', ...text, summary: 'S2' },
      { kind: 'salesforce_api_budget', state: 'unknown' },
      { kind: 'webhook_silent', state: 'clear' },
    ];
    const open = [
      { id: '7', kind: 'dead_letters' },
      { id: '8', kind: 'salesforce_api_budget' },
      { id: '9', kind: 'webhook_silent' },
    ];
    expect(planIncidents(readings, open)).toEqual({
      open: [{ kind: 'connection_paused', ...text }],
      refresh: [{ id: '7', ...text, summary: 'S2' }],
      close: [{ id: '9', kind: 'webhook_silent' }],
    });
  });

  it('plans nothing when every condition is clear and nothing is open', () => {
    const readings: ConditionReading[] = [
      { kind: 'connection_paused', state: 'clear' },
      { kind: 'webhook_silent', state: 'clear' },
    ];
    expect(planIncidents(readings, [])).toEqual({ open: [], refresh: [], close: [] });
  });
});
