/**
 * GET /api/alerts over real HTTP: the admin API's Fastify scope (same token check), a real SQLite store and
 * queue, incidents written by the real evaluator posting to a loopback receiver.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteBackend } from '../../../test/support/testStores.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/support/webhookReceiver.ts';
import { AlertEvaluator } from '../../alerts/alertEvaluator.ts';
import { AlertSender } from '../../alerts/alertSender.ts';
import { EmbeddedQueue } from '../../jobs/embeddedQueue.ts';
import { ManualClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/logger.ts';
import type { Store } from '../../store/store.ts';
import { adminApi } from './adminApi.ts';
import type { AlertsResponse } from './getAlerts.ts';

const TOKEN = 'admin-token-for-tests-0123456789';
const WEBHOOK_SECRET = 'T0001/B0001/slack-secret-token';

describe('GET /api/alerts', () => {
  const backend = sqliteBackend();
  let store: Store;
  let queue: EmbeddedQueue;
  let app: FastifyInstance;
  let base: string;
  let receiver: WebhookReceiver;
  const clock = new ManualClock('2026-03-10T09:00:00.000Z');

  beforeAll(async () => {
    const location = backend.newLocation();
    if (location.kind !== 'sqlite') throw new Error('expected a sqlite location');
    store = await backend.open({ location, clock });
    await store.connections.upsert({ id: 'conn-a', name: 'conn-a' });
    queue = new EmbeddedQueue({ path: location.path, deadLetters: store.deadLetters });
    receiver = await startWebhookReceiver();
    app = Fastify();
    await adminApi(app, { connectionId: 'conn-a', store, queue, adminToken: TOKEN, clock });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await queue?.stop();
    await receiver?.close();
    await backend.cleanup();
  });

  const get = async (path: string, token: string | null = TOKEN) => {
    const response = await fetch(
      `${base}${path}`,
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );
    return { status: response.status, text: await response.text() };
  };

  it('needs the admin token, like the rest of the admin API', async () => {
    const missing = await get('/api/alerts', null);
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text)).toEqual({
      error: { code: 'unauthorized', message: 'send Authorization: Bearer <server.adminToken>' },
    });
    expect((await get('/api/alerts', 'wrong-token-wrong-token')).status).toBe(401);
  });

  it('lists open and recently closed incidents with who was told, and never a webhook URL', async () => {
    const url = `${receiver.url}/services/${WEBHOOK_SECRET}`;
    const evaluator = new AlertEvaluator({
      connectionId: 'conn-a',
      store,
      clock,
      logger: silentLogger,
      thresholds: { salesforceApiBudgetRatio: 0.9, webhookSilenceMs: 3_600_000 },
      destinations: [{ name: 'ops-slack', format: 'slack', url }],
      sender: new AlertSender({ secretUrls: [url] }),
      salesforceApiUsage: async () => usage,
    });
    let usage = { used: 14_500, max: 15_000 };
    await evaluator.evaluate();
    clock.advance(10 * 60_000);
    usage = { used: 100, max: 15_000 };
    await evaluator.evaluate();
    await store.connections.setState('conn-a', 'paused', 'Salesforce refused the credentials');
    clock.advance(60_000);
    await evaluator.evaluate();
    // An incident closed long ago is not "recent".
    const old = await store.incidents.open({
      connectionId: 'conn-a',
      kind: 'dead_letters',
      title: 'old',
      summary: 'old',
      fix: 'old',
      facts: {},
      openedAt: '2026-02-01T00:00:00.000Z',
    });
    await store.incidents.close(old.id, '2026-02-01T01:00:00.000Z');

    const answer = await get('/api/alerts');
    expect(answer.status).toBe(200);
    expect(answer.text).not.toContain(WEBHOOK_SECRET);
    expect(answer.text).not.toContain(receiver.url);
    const body = JSON.parse(answer.text) as AlertsResponse;
    expect(body.open).toEqual([
      expect.objectContaining({
        kind: 'connection_paused',
        openedAt: '2026-03-10T09:11:00.000Z',
        closedAt: null,
        notified: [{ destination: 'ops-slack', openedAt: '2026-03-10T09:11:00.000Z', resolvedAt: null }],
      }),
    ]);
    expect(body.recent).toEqual([
      expect.objectContaining({
        kind: 'salesforce_api_budget',
        title: 'Salesforce API use is near the daily limit',
        facts: { used: 14_500, max: 15_000, ratio: 0.967 },
        openedAt: '2026-03-10T09:00:00.000Z',
        closedAt: '2026-03-10T09:10:00.000Z',
        notified: [
          {
            destination: 'ops-slack',
            openedAt: '2026-03-10T09:00:00.000Z',
            resolvedAt: '2026-03-10T09:10:00.000Z',
          },
        ],
      }),
    ]);
    expect(body.open[0]?.fix).toContain('cosell doctor');

    const longer = JSON.parse((await get('/api/alerts?days=60')).text) as AlertsResponse;
    expect(longer.recent.map((incident) => incident.kind)).toEqual(['salesforce_api_budget', 'dead_letters']);
  });

  it('refuses a bad query with a message that says what is allowed', async () => {
    const bad = await get('/api/alerts?days=0');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({
      error: { code: 'invalid_request', message: expect.stringContaining('days') },
    });
  });
});
