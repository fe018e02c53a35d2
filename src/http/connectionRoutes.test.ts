/**
 * A server of several connections over real HTTP: each connection's admin API under /connections/<id>/api, the
 * list of connections, each connection's webhook receiver, one wrong-token limit for every copy of the API, and
 * no reaching another connection's dead letters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConnectorHttp,
  startConnectorHttp,
  TEST_CONNECTION_ID,
} from '../../test/support/connectorHttpKit.ts';
import { ManualClock } from '../shared/clock.ts';

const TOKEN = 'admin-token-for-connection-routes-0123456789';
const limits = { concurrency: 2, partnerCenterConcurrency: 8, salesforceApiBudgetRatio: 0.5 };
let server: ConnectorHttp;

beforeAll(async () => {
  server = await startConnectorHttp({
    adminToken: TOKEN,
    clock: new ManualClock('2026-05-01T10:00:00.000Z'),
    connections: [
      { id: TEST_CONNECTION_ID, limits },
      { id: 'west', limits: { ...limits, concurrency: 4 } },
    ],
  });
  await server.store.connections.upsert({ id: 'west', name: 'west' });
  await server.store.connections.setState('west', 'paused', 'Salesforce sign-in refused');
});
afterAll(() => server?.close());

const get = async (path: string, token = TOKEN) => {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return {
    status: response.status,
    body: (await response.json().catch(() => null)) as Record<string, unknown>,
  };
};

describe('a server of several connections', () => {
  it("answers each connection's API under its prefix, and lists the connections with their state and limits", async () => {
    expect((await get('/connections/west/api/status')).body).toMatchObject({
      connectionId: 'west',
      connection: { state: 'paused', pausedReason: 'Salesforce sign-in refused' },
    });
    expect((await get('/api/status')).body).toMatchObject({ connectionId: TEST_CONNECTION_ID });
    expect((await get('/api/connections')).body).toEqual({
      connections: [
        { id: TEST_CONNECTION_ID, state: null, pausedReason: null, limits },
        {
          id: 'west',
          state: 'paused',
          pausedReason: 'Salesforce sign-in refused',
          limits: { ...limits, concurrency: 4 },
        },
      ],
    });
  });

  it('counts links per connection in /metrics', async () => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`cosell_links{connection="${TEST_CONNECTION_ID}",state="synced"} 0`);
    expect(metrics).toContain('cosell_links{connection="west",state="synced"} 0');
  });

  it("receives each connection's webhooks at its own path (an unsigned delivery is refused there, not unknown)", async () => {
    const response = await fetch(`${server.url}/connections/west/webhooks/partner-center`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect([400, 401]).toContain(response.status);
    expect(
      (await fetch(`${server.url}/connections/nobody/webhooks/partner-center`, { method: 'POST' })).status,
    ).toBe(404);
  });

  it("does not redrive another connection's dead letter", async () => {
    const added = await server.store.deadLetters.add({
      connectionId: 'west',
      jobName: 'deal.sync',
      jobKey: 'deal:west:referral:r1',
      payload: { connectionId: 'west', referralId: 'r1', trigger: 'webhook' },
      attempts: 1,
      errorKind: 'permanent',
      errorMessage: 'refused',
      failedAt: '2026-05-01T10:00:00.000Z',
    });
    const redrive = (prefix: string) =>
      fetch(`${server.url}${prefix}/api/dead-letters/${added.id}/redrive`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
    expect((await redrive('')).status).toBe(404);
    expect((await redrive('/connections/west')).status).toBe(202);
  });

  it('counts wrong admin tokens once for every copy of the API', async () => {
    for (let attempt = 0; attempt < 10; attempt += 1)
      expect(
        (await get(`/connections/${attempt % 2 ? 'west' : TEST_CONNECTION_ID}/api/status`, 'wrong')).status,
      ).toBe(401);
    expect((await get('/api/status')).status).toBe(429);
    expect((await get('/connections/west/api/status')).status).toBe(429);
  });
});
