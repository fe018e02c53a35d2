/**
 * The admin dashboard's static files (web/): the page at /, its script and its stylesheet. The page needs no
 * token; the data it reads from /api does. Every answer carries a Content-Security-Policy that allows only our
 * own origin and forbids framing.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const WEB_DIR = new URL('../../../web/', import.meta.url);

const FILES = [
  { path: '/', file: 'index.html', contentType: 'text/html; charset=utf-8' },
  { path: '/dashboard.js', file: 'dashboard.js', contentType: 'text/javascript; charset=utf-8' },
  { path: '/dashboard.css', file: 'dashboard.css', contentType: 'text/css; charset=utf-8' },
] as const;

export const DASHBOARD_SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
} as const;

export async function dashboard(app: FastifyInstance): Promise<void> {
  for (const { path, file, contentType } of FILES) {
    // Read once at start-up: the files are small and a missing one should fail the server early, not per request.
    const body = readFileSync(new URL(file, WEB_DIR));
    app.get(path, async (_request, reply) =>
      reply.headers(DASHBOARD_SECURITY_HEADERS).type(contentType).send(body),
    );
  }
}
