import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundReferral, startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';

describe('the connector’s HTTP surface: health, readiness, metrics, admin API, webhook endpoint', () => {
  let sandbox: TestSandbox;
  let base: string;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
    base = sandbox.urls.connector;
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  const getJson = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${base}${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('answers health and readiness, and is not ready while the connection is paused', async () => {
    expect(await getJson('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await getJson('/readyz')).status).toBe(200);
    await sandbox.connector.store.connections.setState('sandbox', 'paused', 'Partner Center sign-in expired');
    const paused = await getJson('/readyz');
    expect(paused.status).toBe(503);
    expect(paused.body['checks']).toMatchObject({ connection: 'paused: Partner Center sign-in expired' });
    // The next sync that goes through (the sign-in works again) makes the connection active and ready.
    await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name: 'Wakes the connection' }));
    await waitFor('ready again', async () => (await getJson('/readyz')).status === 200);
    expect((await sandbox.connector.store.connections.get('sandbox'))?.pausedReason).toBeNull();
  });

  it('lists links and audit, retries a link, and serves Prometheus metrics', async () => {
    const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name: 'API check' }));
    const referralId = String(created['id']);
    // The link exists from the create intent on; wait until the sync has completed it.
    const link = await waitFor('the synced link', async () => {
      const found = await sandbox.connector.store.links.findByReferralId('sandbox', referralId);
      return found?.state === 'synced' ? found : null;
    });

    const status = await getJson('/api/status');
    expect(status.body).toMatchObject({
      connectionId: 'sandbox',
      links: expect.objectContaining({ synced: expect.any(Number) }),
    });
    const links = (await getJson('/api/links?state=synced')).body['links'] as { id: string }[];
    expect(links.map((item) => item.id)).toContain(link.id);
    expect((await getJson('/api/links?state=bogus')).status).toBe(400);
    const detail = await getJson(`/api/links/${link.id}`);
    expect((detail.body['audit'] as unknown[]).length).toBeGreaterThan(0);
    expect((await getJson('/api/links/999999')).status).toBe(404);
    const retried = await getJson(`/api/links/${link.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(202);
    expect((await getJson(`/api/audit?linkId=${link.id}`)).body['entries']).toEqual(expect.any(Array));

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/cosell_links\{state="synced"\} \d+/);
    expect(metrics).toMatch(/cosell_webhooks_total\{outcome="accepted"\} \d+/);
  });

  it('refuses an unsigned webhook with 401 and stores nothing; a registered test event is acknowledged', async () => {
    const before = await sandbox.connector.store.inbox.listUnprocessed('sandbox', 1000);
    const response = await fetch(`${base}/webhooks/partner-center`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        EventName: 'referral-created',
        ResourceUri: 'https://api.partnercenter.microsoft.com/engagements/v1/referrals/x',
      }),
    });
    expect(response.status).toBe(401);
    expect(await sandbox.connector.store.inbox.listUnprocessed('sandbox', 1000)).toEqual(before);
    // Partner Center's own test event, signed by the emulator, reaches the endpoint and is acknowledged.
    const result = await sandbox.connector.webhooks.test({ deadlineMs: 15_000, pollIntervalMs: 100 });
    expect(result.delivered).toBe(true);
  });
});
