import { describe, expect, it } from 'vitest';
import {
  type AlertFacts,
  type ConditionReading,
  formatDuration,
  readAlertConditions,
} from './alertConditions.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const thresholds = { salesforceApiBudgetRatio: 0.8, webhookSilenceMs: 60 * 60_000 };

function facts(overrides: Partial<AlertFacts> = {}): AlertFacts {
  return {
    now: NOW,
    connection: { state: 'active', pausedReason: null },
    deadLetters: { count: 0, countIsLowerBound: false, newest: null },
    salesforceApiUsage: { used: 100, max: 15_000 },
    lastWebhookDeliveryAt: '2026-03-01T11:59:00.000Z',
    lastReconcileChangeAt: null,
    ...overrides,
  };
}

function reading(kind: string, input: AlertFacts): ConditionReading {
  const found = readAlertConditions(input, thresholds).find((item) => item.kind === kind);
  if (!found) throw new Error(`no reading for ${kind}`);
  return found;
}

describe('readAlertConditions', () => {
  it('reads a healthy connection as all clear', () => {
    expect(readAlertConditions(facts(), thresholds).map((item) => [item.kind, item.state])).toEqual([
      ['connection_paused', 'clear'],
      ['dead_letters', 'clear'],
      ['salesforce_api_budget', 'clear'],
      ['webhook_silent', 'clear'],
    ]);
  });

  it('reports a paused connection with its reason and how to resume', () => {
    const paused = reading(
      'connection_paused',
      facts({
        connection: {
          state: 'paused',
          pausedReason: 'Partner Center sign-in expired: run `cosell connect partner-center`.',
        },
      }),
    );
    expect(paused).toMatchObject({
      state: 'active',
      title: 'Sync is paused: a sign-in needs attention',
      facts: { pausedReason: 'Partner Center sign-in expired: run `cosell connect partner-center`.' },
    });
    if (paused.state !== 'active') throw new Error('expected active');
    expect(paused.summary).toContain('Partner Center sign-in expired');
    expect(paused.fix).toContain('cosell doctor');
  });

  it('counts dead letters, says when the count is a lower bound, and names the newest reason', () => {
    const one = reading(
      'dead_letters',
      facts({
        deadLetters: {
          count: 1,
          countIsLowerBound: false,
          newest: {
            jobName: 'deal.sync',
            errorMessage: 'INVALID_FIELD: Foo__c',
            failedAt: '2026-03-01T11:00:00.000Z',
          },
        },
      }),
    );
    if (one.state !== 'active') throw new Error('expected active');
    expect(one.summary).toBe(
      '1 sync job failed for good and waits in dead letters. Newest (deal.sync, 2026-03-01T11:00:00.000Z): INVALID_FIELD: Foo__c',
    );
    const many = reading(
      'dead_letters',
      facts({ deadLetters: { count: 100, countIsLowerBound: true, newest: null } }),
    );
    if (many.state !== 'active') throw new Error('expected active');
    expect(many.summary).toMatch(/^100 or more sync jobs failed/);
  });

  it('opens the budget alert at the ratio, not below it, and knows nothing without a reading', () => {
    expect(
      reading('salesforce_api_budget', facts({ salesforceApiUsage: { used: 11_999, max: 15_000 } })).state,
    ).toBe('clear');
    const near = reading(
      'salesforce_api_budget',
      facts({ salesforceApiUsage: { used: 12_000, max: 15_000 } }),
    );
    expect(near).toMatchObject({ state: 'active', facts: { used: 12_000, max: 15_000, ratio: 0.8 } });
    if (near.state !== 'active') throw new Error('expected active');
    expect(near.summary).toContain('12,000 of its 15,000 daily API requests (80%, alert at 80%)');
    expect(reading('salesforce_api_budget', facts({ salesforceApiUsage: null })).state).toBe('unknown');
    expect(reading('salesforce_api_budget', facts({ salesforceApiUsage: { used: 0, max: 0 } })).state).toBe(
      'unknown',
    );
  });

  it('flags webhook silence only when reconcile brought a change no delivery followed, after the silence limit', () => {
    const silent = {
      lastWebhookDeliveryAt: '2026-03-01T10:30:00.000Z',
      lastReconcileChangeAt: '2026-03-01T11:45:00.000Z',
    };
    const active = reading('webhook_silent', facts(silent));
    expect(active).toMatchObject({ state: 'active', title: 'Partner Center webhooks have stopped arriving' });
    if (active.state !== 'active') throw new Error('expected active');
    expect(active.summary).toContain(
      'No webhook delivery from Partner Center for 1 h 30 min (last at 2026-03-01T10:30:00.000Z)',
    );
    // Quiet but nothing changed: no alert however long the silence.
    expect(reading('webhook_silent', facts({ ...silent, lastReconcileChangeAt: null })).state).toBe('clear');
    // The change came before the last delivery: webhooks were still flowing then.
    expect(
      reading('webhook_silent', facts({ ...silent, lastReconcileChangeAt: '2026-03-01T10:00:00.000Z' }))
        .state,
    ).toBe('clear');
    // Silent for less than the limit.
    expect(
      reading('webhook_silent', facts({ ...silent, lastWebhookDeliveryAt: '2026-03-01T11:30:00.000Z' }))
        .state,
    ).toBe('clear');
    // Never a delivery, yet reconcile found changes.
    const never = reading('webhook_silent', facts({ ...silent, lastWebhookDeliveryAt: null }));
    if (never.state !== 'active') throw new Error('expected active');
    expect(never.summary).toMatch(/^No webhook delivery from Partner Center has been recorded, yet/);
  });
});

describe('formatDuration', () => {
  it('says how long in the largest sensible unit', () => {
    expect(
      [40_000, 12 * 60_000, 3 * 3_600_000, 3 * 3_600_000 + 5 * 60_000, 72 * 3_600_000].map(formatDuration),
    ).toEqual(['40 s', '12 min', '3 h', '3 h 5 min', '3 days']);
  });
});
