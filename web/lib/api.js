// @ts-check
// The admin API client: the admin token (kept in this tab) goes with every request, every call goes to the chosen
// connection; errors become messages.

/** @typedef {import('../../src/http/adminTypes.ts').AdminError} AdminError */

export const TOKEN_KEY = 'cosell.adminToken';

export class Unauthorized extends Error {}

/** The connection the page shows (`?connection=ID` in its address, kept by every link), or null: the server's first. */
export function chosenConnection() {
  return new URLSearchParams(location.search).get('connection');
}

/**
 * The chosen connection's copy of an admin API path: `/connections/<id>/api/…`. The list of connections itself
 * is the server's.
 * @param {string} path
 */
function scoped(path) {
  const id = chosenConnection();
  if (id === null || !path.startsWith('/api/') || path === '/api/connections') return path;
  return `/connections/${encodeURIComponent(id)}${path}`;
}

/**
 * Calls the admin API and gives back the parsed JSON body.
 * @param {'GET' | 'POST' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<{ status: number, body: unknown }>}
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(scoped(path), {
      method,
      headers,
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new Error('The connector did not answer. Check that it is running; this page keeps trying.');
  }
  if (response.status === 401) throw new Unauthorized('unauthorized');
  const parsed = await response.json().catch(() => null);
  if (!response.ok) {
    const message = /** @type {AdminError | null} */ (parsed)?.error?.message;
    throw new Error(
      message
        ? `The connector refused ${method} ${path}: ${message} (HTTP ${response.status}).`
        : `The connector answered HTTP ${response.status} to ${method} ${path}. Check its log.`,
    );
  }
  return { status: response.status, body: parsed };
}

/**
 * GET, typed by the caller's JSDoc: `/** @type {DealListResponse} *\/ (await get(...))`.
 * @param {string} path
 */
export async function get(path) {
  return (await api('GET', path)).body;
}
