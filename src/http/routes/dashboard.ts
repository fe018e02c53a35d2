/**
 * The admin dashboard's static files (web/): the page at /, its scripts and its stylesheet. The page needs no
 * token; the data it reads from /api does. The security headers (CSP, no framing, no sniffing, no referrer) are
 * the server's, on every answer (src/http/securityHeaders.ts); these files are only told to revalidate.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const WEB_DIR = new URL('../../../web/', import.meta.url);

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Every servable file under web/ (scripts, styles, the page) as URL path → file. */
function webFiles(): { path: string; file: URL; contentType: string }[] {
  const root = fileURLToPath(WEB_DIR);
  return readdirSync(root, { recursive: true, withFileTypes: true }).flatMap((entry) => {
    const contentType = CONTENT_TYPES[entry.name.slice(entry.name.lastIndexOf('.'))];
    if (!entry.isFile() || !contentType) return [];
    const path = relative(root, `${entry.parentPath}/${entry.name}`).split('\\').join('/');
    return [{ path: path === 'index.html' ? '/' : `/${path}`, file: new URL(path, WEB_DIR), contentType }];
  });
}

export async function dashboard(app: FastifyInstance): Promise<void> {
  for (const { path, file, contentType } of webFiles()) {
    // Read once at start-up: the files are small and a missing one should fail the server early, not per request.
    const body = readFileSync(file);
    app.get(path, async (_request, reply) =>
      reply.header('cache-control', 'no-cache').type(contentType).send(body),
    );
  }
}
