/**
 * The dashboard's cookies: HttpOnly (scripts never see them), SameSite=Lax (not sent with another site's
 * POST), and Secure with the __Host- prefix when the dashboard is served over HTTPS (no Domain, Path=/).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export type CookieRole = 'session' | 'signIn';

const BASE_NAMES: Record<CookieRole, string> = { session: 'cosell_session', signIn: 'cosell_sign_in' };

export function cookieName(role: CookieRole, secure: boolean): string {
  return secure ? `__Host-${BASE_NAMES[role]}` : BASE_NAMES[role];
}

/** The cookie's value from the request, or null. */
export function readCookie(request: FastifyRequest, name: string): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0) continue;
    if (pair.slice(0, separator).trim() === name) return decodeURIComponent(pair.slice(separator + 1).trim());
  }
  return null;
}

/** Adds a Set-Cookie header; maxAgeSeconds 0 removes the cookie. */
export function setCookie(
  reply: FastifyReply,
  name: string,
  value: string,
  options: { maxAgeSeconds: number; secure: boolean },
): void {
  const attributes = [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(options.secure ? ['Secure'] : []),
  ];
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  reply.header('set-cookie', [...list, attributes.join('; ')]);
}
