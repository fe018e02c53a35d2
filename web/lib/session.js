// @ts-check
// The admin token prompt, failure handling and one-at-a-time actions.
import { TOKEN_KEY, Unauthorized } from './api.js';
import { byId, forgetShown, showProblem } from './dom.js';

export const session = { needsToken: false };

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
  if (error instanceof Unauthorized) askForToken();
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
