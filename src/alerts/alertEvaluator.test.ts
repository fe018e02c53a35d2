/**
 * The evaluator end to end below HTTP: a real store (SQLite, and Postgres when DATABASE_URL is set), a real
 * loopback receiver standing in for Teams, Slack and a JSON webhook, a manual clock. Each test drives
 * evaluations one by one and asserts what was sent.
 */
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanupAll, storeBackends } from '../../test/support/testStores.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/support/webhookReceiver.ts';
import { ManualClock } from '../shared/clock.ts';
import { createLogger } from '../shared/logger.ts';
import type { Store } from '../store/store.ts';
import { AlertEvaluator, type FormattedDestination } from './alertEvaluator.ts';
import { AlertSender } from './alertSender.ts';

const CONNECTION = 'conn-a';
// Tokens as real webhook URLs carry them: in the path (Slack, Teams connectors) or the query (Workflows).
const TEAMS_PATH = '/webhookb2/teams-token-1f2e3d';
const SLACK_PATH = '/services/T0001/B0001/slack-token-9a8b7c';
const JSON_PATH = '/json/hook?sig=json-token-5d6e7f';
const SECRETS = ['teams-token-1f2e3d', 'slack-token-9a8b7c', 'json-token-5d6e7f'];

const backends = storeBackends();
afterAll(() => cleanupAll(backends));

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', pretty: false, destination }), lines };
}

for (const backend of backends) {
  describe(`AlertEvaluator on ${backend.name}`, () => {
    let store: Store;
    let receiver: WebhookReceiver;
    let clock: ManualClock;
    let usage: { used: number; max: number } | null;
    let log: ReturnType<typeof capturingLogger>;

    const destinations = (): FormattedDestination[] => [
      { name: 'teams-1', format: 'teams', url: `${receiver.url}${TEAMS_PATH}` },
      { name: 'slack-2', format: 'slack', url: `${receiver.url}${SLACK_PATH}` },
      { name: 'json-3', format: 'json', url: `${receiver.url}${JSON_PATH}` },
    ];
    const evaluator = (overrides: { destinations?: FormattedDestination[] } = {}) =>
      new AlertEvaluator({
        connectionId: CONNECTION,
        store,
        clock,
        logger: log.logger,
        thresholds: { salesforceApiBudgetRatio: 0.8, webhookSilenceMs: 60 * 60_000 },
        destinations: overrides.destinations ?? destinations(),
        sender: new AlertSender({
          timeoutMs: 5_000,
          secretUrls: (overrides.destinations ?? destinations()).map((destination) => destination.url),
        }),
        salesforceApiUsage: async () => usage,
        dashboardUrl: 'https://cosell.example.com',
      });

    beforeEach(async () => {
      clock = new ManualClock('2026-03-01T10:00:00.000Z');
      store = await backend.open({ clock });
      await store.connections.upsert({ id: CONNECTION, name: CONNECTION });
      receiver = await startWebhookReceiver();
      usage = { used: 10, max: 15_000 };
      log = capturingLogger();
    });
    afterEach(async () => {
      await receiver.close();
    });

    it('sends one opening message per destination, nothing more while it lasts, then one recovery message', async () => {
      const alerts = evaluator();
      expect(await alerts.evaluate()).toEqual({ opened: [], closed: [], sent: [], failed: [] });
      expect(receiver.requests).toHaveLength(0);

      await store.connections.setState(
        CONNECTION,
        'paused',
        'Partner Center sign-in expired: run `cosell connect partner-center`.',
      );
      clock.advance(60_000);
      const first = await alerts.evaluate();
      expect(first.opened).toHaveLength(1);
      expect(first.sent.map((sent) => [sent.destination, sent.event])).toEqual([
        ['teams-1', 'opened'],
        ['slack-2', 'opened'],
        ['json-3', 'opened'],
      ]);
      const [teams] = receiver.requestsTo('/webhookb2/');
      const [slack] = receiver.requestsTo('/services/');
      const [json] = receiver.requestsTo('/json/');
      expect(teams?.headers['content-type']).toBe('application/json');
      expect(teams?.body).toMatchObject({
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            content: {
              type: 'AdaptiveCard',
              body: [
                {
                  text: 'Alert: Sync is paused: a sign-in needs attention (cosell connection conn-a)',
                  color: 'Attention',
                },
                {
                  text: 'The connection is paused and no deal syncs until it is fixed. Reason: Partner Center sign-in expired: run `cosell connect partner-center`.',
                },
                { text: expect.stringMatching(/^What to do: /) },
                { type: 'FactSet' },
              ],
              actions: [{ type: 'Action.OpenUrl', url: 'https://cosell.example.com' }],
            },
          },
        ],
      });
      expect(slack?.body).toMatchObject({
        text: 'Alert: Sync is paused: a sign-in needs attention (cosell connection conn-a). The connection is paused and no deal syncs until it is fixed. Reason: Partner Center sign-in expired: run `cosell connect partner-center`.',
        blocks: [
          { type: 'header' },
          { type: 'section' },
          { type: 'section' },
          { type: 'context' },
          { type: 'actions' },
        ],
      });
      expect(json?.body).toMatchObject({
        source: 'cosell-connector',
        event: 'opened',
        connectionId: CONNECTION,
        incident: { kind: 'connection_paused', openedAt: '2026-03-01T10:01:00.000Z', closedAt: null },
      });

      // Still paused: later evaluations send nothing.
      for (let run = 0; run < 3; run += 1) {
        clock.advance(60_000);
        expect((await alerts.evaluate()).sent).toEqual([]);
      }
      expect(receiver.requests).toHaveLength(3);
      const [open] = await store.incidents.listOpen(CONNECTION);
      expect(open?.lastSeenAt).toBe('2026-03-01T10:04:00.000Z');

      // Signed in again: one recovery message each, then silence.
      await store.connections.setState(CONNECTION, 'active', null);
      clock.advance(60_000);
      const recovered = await alerts.evaluate();
      expect(recovered.closed).toEqual([open!.id]);
      expect(recovered.sent.map((sent) => sent.event)).toEqual(['resolved', 'resolved', 'resolved']);
      expect(receiver.requests).toHaveLength(6);
      expect(receiver.requestsTo('/json/')[1]?.body).toMatchObject({
        event: 'resolved',
        headline: 'Resolved: Sync is paused: a sign-in needs attention (cosell connection conn-a)',
        incident: { closedAt: '2026-03-01T10:05:00.000Z' },
      });
      const slackRecovery = receiver.requestsTo('/services/')[1]?.body as { blocks: unknown[] };
      expect(slackRecovery.blocks[1]).toEqual({
        type: 'section',
        text: { type: 'mrkdwn', text: 'This has cleared. It lasted 4 min.' },
      });
      clock.advance(60_000);
      expect((await alerts.evaluate()).sent).toEqual([]);
      expect(receiver.requests).toHaveLength(6);
    });

    it('does not send twice across evaluator instances (another process, a restart): the store remembers', async () => {
      await store.deadLetters.add({
        connectionId: CONNECTION,
        jobName: 'deal.sync',
        jobKey: 'deal:conn-a:ref-1',
        payload: {},
        attempts: 8,
        errorKind: 'permanent',
        errorMessage: 'INVALID_FIELD: No such column Foo__c',
        failedAt: '2026-03-01T09:59:00.000Z',
      });
      expect((await evaluator().evaluate()).sent).toHaveLength(3);
      expect((await evaluator().evaluate()).sent).toHaveLength(0);
      expect(receiver.requestsTo('/json/')[0]?.body).toMatchObject({
        incident: {
          kind: 'dead_letters',
          facts: { count: 1 },
          summary: expect.stringContaining('INVALID_FIELD: No such column Foo__c'),
        },
      });
    });

    it('retries a destination that was down at the next evaluation, without repeating the ones that got it', async () => {
      usage = { used: 13_000, max: 15_000 };
      receiver.respondWith(503, 'Service Unavailable');
      const alerts = evaluator();
      const down = await alerts.evaluate();
      expect(down.sent).toEqual([]);
      expect(down.failed.map((failure) => failure.destination)).toEqual(['teams-1', 'slack-2', 'json-3']);
      expect(down.failed[0]?.message).toBe(
        'alert destination "teams-1" refused the message (HTTP 503: Service Unavailable): it is tried again at the next evaluation.',
      );

      receiver.respondWith(200);
      clock.advance(60_000);
      const up = await alerts.evaluate();
      expect(up.sent.map((sent) => sent.destination)).toEqual(['teams-1', 'slack-2', 'json-3']);
      expect((await alerts.evaluate()).sent).toEqual([]);
      expect(
        receiver.requestsTo('/json/').map((request) => (request.body as { event: string }).event),
      ).toEqual(['opened', 'opened']);
      expect(receiver.requestsTo('/json/')[1]?.body).toMatchObject({
        incident: { kind: 'salesforce_api_budget', facts: { used: 13_000, max: 15_000 } },
      });
    });

    it('leaves the budget incident alone while usage is unknown and closes it when usage falls under the ratio', async () => {
      usage = { used: 14_000, max: 15_000 };
      const alerts = evaluator({ destinations: [] });
      expect((await alerts.evaluate()).opened).toHaveLength(1);
      usage = null;
      expect(await alerts.evaluate()).toMatchObject({ opened: [], closed: [] });
      usage = { used: 11_000, max: 15_000 };
      expect((await alerts.evaluate()).closed).toHaveLength(1);
      expect(await store.incidents.listOpen(CONNECTION)).toEqual([]);
    });

    it('opens the webhook incident when reconcile brings Partner Center changes after a long silence, and closes it on the next delivery', async () => {
      const alerts = evaluator({ destinations: [] });
      await store.inbox.insertIfNew({
        connectionId: CONNECTION,
        dedupKey: 'first',
        receivedAt: '2026-03-01T10:00:00.000Z',
        eventName: 'referral-updated',
        resourceId: 'ref-1',
        body: '{}',
      });
      const reconcileChange = {
        connectionId: CONNECTION,
        linkId: null,
        referralId: 'ref-2',
        opportunityId: '006000000000001',
        trigger: 'reconcile',
        direction: 'toSalesforce' as const,
        outcome: 'ok' as const,
        changes: [],
        error: null,
        message: 'Updated the opportunity',
      };
      clock.set('2026-03-01T10:30:00.000Z');
      await store.audit.append({ ...reconcileChange, at: clock.now().toISOString() });
      // Only 30 minutes without a delivery: not yet.
      expect((await alerts.evaluate()).opened).toEqual([]);
      clock.set('2026-03-01T11:15:00.000Z');
      const silent = await alerts.evaluate();
      expect(silent.opened).toHaveLength(1);
      const [incident] = await store.incidents.listOpen(CONNECTION);
      expect(incident).toMatchObject({
        kind: 'webhook_silent',
        title: 'Partner Center webhooks have stopped arriving',
      });
      expect(incident?.summary).toContain('for 1 h 15 min');

      await store.inbox.insertIfNew({
        connectionId: CONNECTION,
        dedupKey: 'second',
        receivedAt: '2026-03-01T11:16:00.000Z',
        eventName: 'referral-updated',
        resourceId: 'ref-3',
        body: '{}',
      });
      clock.set('2026-03-01T11:17:00.000Z');
      expect((await alerts.evaluate()).closed).toEqual([incident!.id]);
    });

    it('never puts a webhook URL or its token in logs or failure messages, even when the receiver is gone', async () => {
      await store.connections.setState(CONNECTION, 'paused', 'Salesforce refused the credentials');
      const alerts = evaluator();
      receiver.respondWith(404, `no such webhook ${TEAMS_PATH} ${SLACK_PATH}`);
      const refused = await alerts.evaluate();
      await receiver.close();
      clock.advance(60_000);
      const unreachable = await alerts.evaluate();
      receiver = await startWebhookReceiver();
      expect(refused.failed[0]?.message).toMatch(
        /^alert destination "teams-1" refused the message \(HTTP 404: no such webhook \[webhook path\]/,
      );
      // The first attempt may reuse a kept-alive socket the receiver closed; the others are refused.
      expect(unreachable.failed.map((failure) => failure.destination)).toEqual([
        'teams-1',
        'slack-2',
        'json-3',
      ]);
      for (const failure of unreachable.failed)
        expect(failure.message).toMatch(
          /^alert destination "[a-z]+-\d" could not be reached \((connection refused \(ECONNREFUSED\)|the connection closed \(UND_ERR_SOCKET\))\): it is tried again at the next evaluation\. Check that the receiver is up and reachable from this host\.$/,
        );
      const everything = [...log.lines, JSON.stringify(refused), JSON.stringify(unreachable)].join('\n');
      expect(log.lines.length).toBeGreaterThan(0);
      for (const secret of SECRETS) expect(everything).not.toContain(secret);
    });
  });
}
