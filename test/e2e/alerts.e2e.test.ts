/**
 * Alerts through the whole product: the sandbox (both emulators, the connector's HTTP server and worker) with
 * `alerts.notify` pointing at a real loopback receiver. The conditions are caused for real — Partner Center
 * webhooks dropped while reconcile heals the changes, Salesforce reporting API usage near its allocation —
 * and each evaluation is driven explicitly (the schedule is set to an hour so only the start-up run happens).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertsResponse } from '../../src/http/routes/getAlerts.ts';
import { waitForConvergence } from '../support/dealConvergence.ts';
import { inboundReferral, startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.ts';

const TOKEN_PATH = '/hooks/alerts-e2e-token-4c3b2a';

interface JsonAlert {
  event: 'opened' | 'resolved';
  incident: { kind: string; summary: string; closedAt: string | null };
}

describe('alerts from a running connector', () => {
  let sandbox: TestSandbox;
  let receiver: WebhookReceiver;
  const jsonAlerts = () => receiver.requestsTo('/hooks/').map((request) => request.body as JsonAlert);
  const syncedOnce = (referralId: string) =>
    waitFor(`a sync of ${referralId}`, () => sandbox.syncs.some((sync) => sync.referralId === referralId));
  const alertsApi = async (): Promise<AlertsResponse> =>
    (await (await fetch(`${sandbox.urls.connector}/api/alerts`)).json()) as AlertsResponse;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sandbox = await startTestSandbox({
      // Only reconcile can heal a dropped webhook: Salesforce polling is slowed right down.
      pollIntervalSeconds: 3600,
      configOverrides: {
        sync: { reconcileIntervalSeconds: 2 },
        alerts: {
          evaluateIntervalSeconds: 3600,
          webhookSilenceMinutes: 0.01,
          notify: [
            { format: 'json', url: `${receiver.url}${TOKEN_PATH}` },
            { name: 'ops-teams', format: 'teams', url: `${receiver.url}/teams${TOKEN_PATH}` },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
    await receiver?.close();
  });

  it('says so once when webhooks stop arriving while reconcile finds changed referrals, and again when they are back', async () => {
    expect((await sandbox.connector.alerts.evaluate()).opened).toEqual([]);
    // Every delivery is lost: the referral and the connector's own write-back to it reach us only by reconcile.
    await sandbox.pc('POST', '/__emulator/delivery-faults', { drop: 50 });
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Silent webhook' }),
    );
    const referralId = String(created['id']);
    await waitForConvergence(sandbox, [referralId]);
    expect(sandbox.syncs.find((sync) => sync.referralId === referralId)?.trigger).toBe('reconcile');

    const opened = await sandbox.connector.alerts.evaluate();
    expect(opened.opened).toHaveLength(1);
    expect(opened.sent.map((sent) => sent.destination)).toEqual(['json-1', 'ops-teams']);
    expect(jsonAlerts()).toEqual([
      expect.objectContaining({
        event: 'opened',
        incident: expect.objectContaining({ kind: 'webhook_silent', closedAt: null }),
      }),
    ]);
    const teams = receiver.requestsTo('/teams/')[0]?.body as {
      attachments: { content: { body: { text?: string }[] } }[];
    };
    expect(teams.attachments[0]?.content.body[0]?.text).toBe(
      'Alert: Partner Center webhooks have stopped arriving (cosell connection sandbox)',
    );
    expect((await sandbox.connector.alerts.evaluate()).sent).toEqual([]);

    const api = await alertsApi();
    expect(api.open.map((incident) => incident.kind)).toEqual(['webhook_silent']);
    expect(JSON.stringify(api)).not.toContain(TOKEN_PATH);

    // Deliveries flow again: the next Partner Center change arrives by webhook and the incident resolves.
    await sandbox.pc('DELETE', '/__emulator/delivery-faults');
    await sandbox.pc('PATCH', `/__emulator/referrals/${referralId}`, {
      details: { notes: 'Webhooks are back.' },
    });
    await waitFor('a webhook delivery stored', () => sandbox.connector.store.inbox.lastReceivedAt('sandbox'));
    const resolved = await sandbox.connector.alerts.evaluate();
    expect(resolved.closed).toHaveLength(1);
    expect(jsonAlerts().map((alert) => [alert.event, alert.incident.kind])).toEqual([
      ['opened', 'webhook_silent'],
      ['resolved', 'webhook_silent'],
    ]);
    expect((await alertsApi()).open).toEqual([]);
  });

  it('warns when Salesforce reports API use near the daily allocation, and recovers when it drops', async () => {
    const before = receiver.requests.length;
    await sandbox.sf('POST', '/__emulator/limits', { used: 14_700, max: 15_000 });
    // Any Salesforce call the connector makes brings the new usage (Sforce-Limit-Info); a referral sync does.
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Budget check' }),
    );
    await syncedOnce(String(created['id']));
    await waitFor(
      'the usage seen',
      () => (sandbox.connector.salesforce.client.apiUsage()?.used ?? 0) >= 14_700,
    );

    const opened = await sandbox.connector.alerts.evaluate();
    expect(opened.opened).toHaveLength(1);
    const [budget] = jsonAlerts().slice(-1);
    expect(budget).toMatchObject({ event: 'opened', incident: { kind: 'salesforce_api_budget' } });
    expect(budget?.incident.summary).toMatch(
      /^The org has used 14,7\d\d of its 15,000 daily API requests \(98%, alert at 80%\)/,
    );
    expect(receiver.requests.length - before).toBe(2);

    await sandbox.sf('POST', '/__emulator/limits', { used: 100 });
    const again = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name: 'Budget fine' }));
    await syncedOnce(String(again['id']));
    await waitFor(
      'the usage seen',
      () => (sandbox.connector.salesforce.client.apiUsage()?.used ?? 15_000) < 1_000,
    );
    expect((await sandbox.connector.alerts.evaluate()).closed).toHaveLength(1);
    expect(jsonAlerts().slice(-1)[0]).toMatchObject({
      event: 'resolved',
      incident: { kind: 'salesforce_api_budget' },
    });
    expect(receiver.requests.length - before).toBe(4);
  });
});
