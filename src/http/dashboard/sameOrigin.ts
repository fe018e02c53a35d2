/**
 * CSRF protection for the admin API's changes: a browser sends Origin (and Sec-Fetch-Site) with every POST and
 * DELETE, so a change requested by another site's page is refused. Clients that are not browsers (scripts, the CLI)
 * send neither and cannot be tricked into a request; they use the admin token.
 */
import type { FastifyRequest } from 'fastify';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Null when the request may change data, else why not. */
export function crossSiteRefusal(request: FastifyRequest): string | null {
  if (SAFE_METHODS.has(request.method)) return null;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return `a page on another site (${site}) asked for this change; use the dashboard itself or send the admin token`;
  // The browser says the dashboard's own page sent it (a form there sends `Origin: null` under no-referrer).
  if (site === 'same-origin') return null;
  const origin = request.headers.origin;
  if (origin === undefined) return null;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return `the Origin header ${JSON.stringify(origin)} is not a URL`;
  }
  return host === request.headers.host
    ? null
    : `a page on ${origin} asked for this change; only the dashboard served by this connector may make changes`;
}

/**
 * Stricter for changes made with the dashboard's session cookie: a browser always says where such a request
 * comes from, so one that says nothing (Origin and Sec-Fetch-Site both missing) is refused too.
 */
export function sessionChangeRefusal(request: FastifyRequest): string | null {
  if (SAFE_METHODS.has(request.method)) return null;
  const said = request.headers.origin !== undefined || request.headers['sec-fetch-site'] !== undefined;
  return said
    ? crossSiteRefusal(request)
    : 'a change made with the dashboard sign-in must come from the dashboard page (the request named no Origin); scripts send the admin token instead';
}
