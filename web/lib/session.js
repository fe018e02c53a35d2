// @ts-check
// The admin token prompt, failure handling and one-at-a-time actions.
import { TOKEN_KEY, Unauthorized } from './api.js';
import { byId, forgetShown, showProblem } from './dom.js';

export const session = { needsToken: false };

/** @typedef {import('../../src/http/auth/signInRoutes.ts').SessionAnswer} SessionAnswer */

/** Who is signed in to the dashboard (and whether sign-in is on); null when the connector does not say. */
export async function readSession() {
  try {
    const response = await fetch('/auth/session', {
      cache: 'no-store',
      headers: { accept: 'application/json' },
    });
    return response.ok ? /** @type {SessionAnswer} */ (await response.json()) : null;
  } catch {
    return null;
  }
}

/** Shows the signed-in user and the sign-out button in the header. */
export async function showSignedInUser() {
  const answer = await readSession();
  const user = answer?.user ?? null;
  byId('sign-out').hidden = user === null;
  byId('signed-in-user').textContent = user ? `Signed in as ${user.name ?? user.username}` : '';
}

/** No session and no token: the "Sign in with Microsoft" page when sign-in is on, else the token prompt. */
async function askToSignIn() {
  const answer = await readSession();
  if (answer?.signIn !== 'microsoft' || sessionStorage.getItem(TOKEN_KEY) !== null) return askForToken();
  const link = /** @type {HTMLAnchorElement} */ (byId('sign-in-link'));
  link.href = location.hash ? `/auth/sign-in?return=${encodeURIComponent(location.hash)}` : '/auth/sign-in';
  byId('sign-in-panel').hidden = false;
  byId('token-panel').hidden = true;
  byId('data').hidden = true;
  byId('sign-out').hidden = true;
  session.needsToken = true;
  forgetShown();
}

export function askForToken() {
  const refused = sessionStorage.getItem(TOKEN_KEY) !== null;
  sessionStorage.removeItem(TOKEN_KEY);
  byId('token-explain').textContent = refused
    ? 'The connector refused that admin token. Check server.adminToken in its configuration and enter it again.'
    : "This connector's data is protected by server.adminToken. Enter that token to see it; it is kept in this browser tab only.";
  const panel = byId('token-panel');
  const wasHidden = panel.hidden;
  panel.hidden = false;
  byId('data').hidden = true;
  session.needsToken = true;
  forgetShown();
  if (wasHidden || refused) byId('token-input').focus();
}

/** @param {unknown} error */
export function handleFailure(error) {
  if (error instanceof Unauthorized) void askToSignIn();
  else showProblem(error instanceof Error ? error.message : String(error));
}

const inFlight = new Set();

/**
 * Runs one action at a time per key (a double click sends one request); failures are shown.
 * @param {string} key
 * @param {() => Promise<void>} action
 */
export async function once(key, action) {
  if (inFlight.has(key)) return;
  inFlight.add(key);
  try {
    await action();
  } catch (error) {
    handleFailure(error);
  } finally {
    inFlight.delete(key);
  }
}
