// @ts-check
// The admin dashboard: a small hash router over five views that read the connector's /api. Plain DOM, no build
// step; types are checked by tsc against the admin API's own types (src/http/adminTypes.ts).
import { chosenConnection, get, TOKEN_KEY } from './lib/api.js';
import { byId, clearProblem, forgetShown } from './lib/dom.js';
import { handleFailure, session, showSignedInUser } from './lib/session.js';
import { attentionCount, initAttention, loadAttention } from './views/attention.js';
import { initDeal, loadDeal } from './views/deal.js';
import { initDeals, loadDeals } from './views/deals.js';
import { initMapping, loadMapping } from './views/mapping.js';
import { initOverview, loadOverview } from './views/overview.js';

/** @typedef {import('../src/http/adminTypes.ts').AttentionResponse} AttentionResponse */
/** @typedef {import('../src/http/adminTypes.ts').ConnectionsResponse} ConnectionsResponse */
/** @typedef {import('../src/http/adminTypes.ts').ConnectionLimits} ConnectionLimits */

const REFRESH_MS = 5000;
const VIEWS = ['overview', 'deals', 'deal', 'attention', 'mapping'];

/** @returns {{ view: string, id: string | null }} */
function route() {
  const [, name = 'overview', id = null] = location.hash.replace(/^#/, '').split('/');
  if (name === 'deals' && id) return { view: 'deal', id: decodeURIComponent(id) };
  return { view: VIEWS.includes(name) ? name : 'overview', id: null };
}

/** @param {{ view: string, id: string | null }} current */
async function loadView(current) {
  switch (current.view) {
    case 'deals':
      return loadDeals();
    case 'deal':
      return loadDeal(current.id ?? '');
    case 'mapping':
      return loadMapping();
    case 'attention':
      return; // loaded with the count on every refresh
    default:
      return loadOverview();
  }
}

/** @type {Promise<void> | null} */
let refreshing = null;
/** @type {Promise<void> | null} */
let queued = null;

/**
 * Loads what the current view shows. A call made while a load runs gets one more load after it (so it sees the
 * change that prompted it); further calls in the meantime share that one.
 * @returns {Promise<void>}
 */
function refresh() {
  if (session.needsToken && !sessionStorage.getItem(TOKEN_KEY)) return Promise.resolve();
  if (refreshing) {
    queued ??= refreshing.then(() => {
      queued = null;
      return refresh();
    });
    return queued;
  }
  refreshing = load().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function load() {
  const current = route();
  try {
    const [status, attention, connections] = await Promise.all([
      /** @type {Promise<{ connectionId: string, limits?: ConnectionLimits }>} */ (get('/api/status')),
      /** @type {Promise<AttentionResponse>} */ (get('/api/attention')),
      /** @type {Promise<ConnectionsResponse>} */ (get('/api/connections')),
    ]);
    byId('data').hidden = false;
    byId('token-panel').hidden = true;
    byId('sign-in-panel').hidden = true;
    showConnection(status.connectionId, connections, status.limits);
    const count = attentionCount(attention);
    const pill = byId('attention-count');
    pill.textContent = String(count);
    pill.hidden = count === 0;
    pill.setAttribute('aria-label', `${count} need attention`);
    if (current.view === 'attention') await loadAttention(attention);
    else await loadView(current);
    clearProblem();
    byId('refreshed').textContent = `· updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    handleFailure(error);
  }
}

/**
 * The connection shown: its id, or a switcher when the server serves several (choosing one reloads the page for
 * it, at the same view), and its limits.
 * @param {string} connectionId
 * @param {ConnectionsResponse} served
 * @param {ConnectionLimits | undefined} limits
 */
function showConnection(connectionId, served, limits) {
  const several = served.connections.length > 1;
  byId('connection-id').textContent = several ? '' : `Connection: ${connectionId}`;
  byId('connection-choice').hidden = !several;
  const switcher = /** @type {HTMLSelectElement} */ (byId('connection-switcher'));
  if (several) {
    switcher.replaceChildren(
      ...served.connections.map((connection) => {
        const option = document.createElement('option');
        option.value = connection.id;
        option.textContent = connection.state === 'paused' ? `${connection.id} (paused)` : connection.id;
        return option;
      }),
    );
    switcher.value = connectionId;
  }
  byId('connection-limits').textContent = limits
    ? `· ${limits.concurrency} batches at once, ${limits.partnerCenterConcurrency} Partner Center calls per batch, polling slows above ${Math.round(limits.salesforceApiBudgetRatio * 100)}% of the Salesforce API`
    : '';
}

function onConnectionChosen() {
  const chosen = /** @type {HTMLSelectElement} */ (byId('connection-switcher')).value;
  if (chosen === chosenConnection()) return;
  const search = new URLSearchParams(location.search);
  search.set('connection', chosen);
  location.assign(`${location.pathname}?${search}${location.hash}`);
}

/** Shows the view the address names, marks it in the navigation and moves focus to its heading. */
function showView(moveFocus = true) {
  const current = route();
  for (const name of VIEWS) byId(`view-${name}`).hidden = name !== current.view;
  for (const link of document.querySelectorAll('nav a[data-view]')) {
    const view = link.getAttribute('data-view');
    const active = view === current.view || (view === 'deals' && current.view === 'deal');
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  forgetShown();
  void refresh().then(() => {
    const heading = /** @type {HTMLElement | null} */ (
      byId(`view-${current.view}`).querySelector('.view-heading')
    );
    if (moveFocus) heading?.focus();
  });
}

/** @param {SubmitEvent} event */
function onTokenSubmit(event) {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ (byId('token-input'));
  const token = input.value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  input.value = '';
  session.needsToken = false;
  byId('token-panel').hidden = true;
  void refresh();
}

function start() {
  byId('token-form').addEventListener('submit', onTokenSubmit);
  byId('connection-switcher').addEventListener('change', onConnectionChosen);
  initDeals(refresh);
  initDeal(refresh);
  initAttention(refresh);
  initMapping();
  initOverview(refresh);
  window.addEventListener('hashchange', () => showView(true));
  showView(false);
  void showSignedInUser();
  setInterval(() => {
    if (!document.hidden) void refresh();
  }, REFRESH_MS);
}

start();
