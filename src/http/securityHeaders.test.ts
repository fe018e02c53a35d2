/**
 * Every answer of the connector's HTTP server carries the security headers — every route it has, plus 404s,
 * refusals and errors — and none says what it runs on (no X-Powered-By).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectorHttp, routesOf, startConnectorHttp } from '../../test/support/connectorHttpKit.ts';

const TOKEN = 'admin-token-for-header-tests-0123456789';
let connector: ConnectorHttp;

beforeAll(async () => {
  connector = await startConnectorHttp({ adminToken: TOKEN });
});
afterAll(async () => {
  await connector?.close();
});

function expectSecurityHeaders(headers: Headers, what: string): void {
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).not.toContain('unsafe-inline');
  expect(headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(headers.get('referrer-policy'), what).toBe('no-referrer');
  expect(headers.get('x-frame-options'), what).toBe('DENY');
  expect(headers.get('x-powered-by'), what).toBeNull();
}

describe('security headers', () => {
  it('are on every route the server has, with and without the admin token', async () => {
    const routes = routesOf(connector.app).filter((route) => route.method !== 'HEAD');
    expect(routes.some((route) => route.path === '/')).toBe(true);
    for (const route of routes) {
      const path = route.path.replace(/:[A-Za-z]+/g, 'x');
      for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }]) {
        const response = await fetch(`${connector.url}${path}`, {
          method: route.method,
          headers: { ...headers, 'content-type': 'application/json' },
          ...(route.method === 'GET' ? {} : { body: '{}' }),
        });
        await response.arrayBuffer();
        expectSecurityHeaders(response.headers, `${route.method} ${path} → ${response.status}`);
      }
    }
  });

  it('are on 404s, bad requests and refused webhooks too', async () => {
    const answers = await Promise.all([
      fetch(`${connector.url}/no-such-page`),
      fetch(`${connector.url}/api/links?state=bogus`, { headers: { authorization: `Bearer ${TOKEN}` } }),
      fetch(`${connector.url}/webhooks/partner-center`, { method: 'POST', body: '{}' }),
      fetch(`${connector.url}/api/status`, { method: 'DELETE' }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([404, 400, 401, 404]);
    for (const answer of answers) expectSecurityHeaders(answer.headers, `${answer.url} → ${answer.status}`);
  });

  it('let the dashboard page load only its own scripts and styles: no inline script or style in it', async () => {
    const page = await (await fetch(`${connector.url}/`)).text();
    expect(page).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
    expect(page).not.toMatch(/<style\b/i);
    expect(page).not.toMatch(/\sstyle=/i);
    expect(page).not.toMatch(/\son[a-z]+=/i);
  });
});
