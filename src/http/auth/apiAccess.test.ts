/**
 * The admin API's guards over real HTTP: the bearer token (401 without it when one is configured), the limit on
 * wrong tokens per client address (429 with Retry-After, other addresses unaffected, over when the window ends),
 * and the refusal of cross-site changes on every mutating /api route the server has.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectorHttp, routesOf, startConnectorHttp } from '../../../test/support/connectorHttpKit.ts';
import { ManualClock } from '../../shared/clock.ts';
import { adminTokenMatches } from './adminTokenMatches.ts';

const TOKEN = 'admin-token-for-guard-tests-0123456789';
const clock = new ManualClock('2026-05-01T10:00:00.000Z');
let connector: ConnectorHttp;
/** Requests from another loopback address: the limit is per client address. */
let fromOtherAddress: Agent;

beforeAll(async () => {
  connector = await startConnectorHttp({ adminToken: TOKEN, clock });
  fromOtherAddress = new Agent({ localAddress: '127.0.0.2' });
});
afterAll(async () => {
  await fromOtherAddress?.close();
  await connector?.close();
});

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${connector.url}${path}`, init);
  const body = (await response.json().catch(() => null)) as {
    error?: { code: string; message: string };
  } | null;
  return { status: response.status, headers: response.headers, body };
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('adminTokenMatches', () => {
  it('accepts exactly the token, in any case of the Bearer scheme', () => {
    expect(adminTokenMatches(TOKEN, `Bearer ${TOKEN}`)).toBe(true);
    expect(adminTokenMatches(TOKEN, `bearer ${TOKEN}`)).toBe(true);
    for (const presented of [
      undefined,
      '',
      'Bearer ',
      TOKEN,
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.toUpperCase()}`,
      `Bearer ${TOKEN} ${TOKEN}`,
    ])
      expect(adminTokenMatches(TOKEN, presented), String(presented)).toBe(false);
  });
});

describe('the admin API with server.adminToken set', () => {
  it('answers 401 without the token or with a wrong one, and the data with it', async () => {
    expect(await call('/api/status')).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized' } },
    });
    expect((await call('/api/status', { headers: bearer('wrong-token-0000000000') })).status).toBe(401);
    expect((await call('/api/status', { headers: bearer(TOKEN) })).status).toBe(200);
    // The health checks and the dashboard page stay open: they hold no data.
    expect((await call('/healthz')).status).toBe(200);
  });

  it('refuses an address with 429 and Retry-After after 10 wrong tokens, until its window ends', async () => {
    clock.advance(120_000);
    // Requests without any token are no guess and are not counted.
    for (let attempt = 0; attempt < 20; attempt += 1) expect((await call('/api/status')).status).toBe(401);
    for (let attempt = 0; attempt < 10; attempt += 1)
      expect((await call('/api/links', { headers: bearer(`guess-${attempt}-000000000000`) })).status).toBe(
        401,
      );
    const limited = await call('/api/status', { headers: bearer('guess-11-0000000000000') });
    expect(limited).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    expect(Number(limited.headers.get('retry-after'))).toBe(60);
    expect(limited.body?.error?.message).not.toContain(TOKEN);
    // Even the right token waits: a guess that happens to be right would otherwise still be told so.
    expect((await call('/api/status', { headers: bearer(TOKEN) })).status).toBe(429);
    // Another address is not affected.
    const other = await undiciFetch(`${connector.url}/api/status`, {
      headers: bearer(TOKEN),
      dispatcher: fromOtherAddress,
    });
    expect(other.status).toBe(200);
    clock.advance(30_000);
    expect(Number((await call('/api/status', { headers: bearer(TOKEN) })).headers.get('retry-after'))).toBe(
      30,
    );
    clock.advance(30_000);
    expect((await call('/api/status', { headers: bearer(TOKEN) })).status).toBe(200);
  });

  it('refuses a cross-site change on every mutating /api route, even with the token', async () => {
    const mutating = routesOf(connector.app).filter(
      (route) => route.path.startsWith('/api/') && !['GET', 'HEAD', 'OPTIONS'].includes(route.method),
    );
    expect(mutating.length).toBeGreaterThanOrEqual(7);
    clock.advance(120_000);
    for (const route of mutating) {
      const path = route.path.replace(/:[A-Za-z]+/g, 'x');
      for (const crossSite of [
        { origin: 'https://evil.example' },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site', origin: 'https://sub.evil.example' },
        { origin: 'null' },
      ]) {
        const refused = await call(path, {
          method: route.method,
          headers: { ...bearer(TOKEN), 'content-type': 'application/json', ...crossSite },
          body: '{}',
        });
        expect(refused, `${route.method} ${path} ${JSON.stringify(crossSite)}`).toMatchObject({
          status: 403,
          body: { error: { code: 'forbidden' } },
        });
      }
      // The same request from the dashboard's own origin gets past the guard (whatever the route answers then).
      const sameOrigin = await call(path, {
        method: route.method,
        headers: {
          ...bearer(TOKEN),
          'content-type': 'application/json',
          origin: connector.url,
          'sec-fetch-site': 'same-origin',
        },
        body: '{}',
      });
      expect(sameOrigin.status, `${route.method} ${path}`).not.toBe(403);
    }
  });
});
