// The admin dashboard: reads the connector's /api and renders it. Plain DOM, no framework, no build step.
// Every value from the API reaches the page as text (textContent / text nodes), never as HTML.

const TOKEN_KEY = 'cosell.adminToken';
const REFRESH_MS = 5000;
/** Links per request (the API's default page); more pages load on "Show more links". */
const LINK_PAGE_SIZE = 100;
const LINK_STATES = ['synced', 'pending', 'error', 'conflict', 'paused'];
const DIRECTIONS = {
  toSalesforce: 'to Salesforce',
  toPartnerCenter: 'to Partner Center',
  both: 'both ways',
  none: 'nothing written',
};

const view = {
  filter: '',
  linkPages: 1,
  selectedLinkId: null,
  needsToken: false,
  /** The JSON last rendered per section: a section is rebuilt only when its data changed (keeps focus calm). */
  shown: new Map(),
  inFlight: new Set(),
};

const byId = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The page is missing #${id}`);
  return node;
};

/** Builds an element; children are nodes or text (strings become text nodes, so data is never parsed as HTML). */
function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

class Unauthorized extends Error {}

async function api(method, path) {
  const headers = { accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, cache: 'no-store' });
  } catch {
    throw new Error('The connector did not answer. Check that it is running; this page keeps trying.');
  }
  if (response.status === 401) throw new Unauthorized('unauthorized');
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body?.error?.message;
    throw new Error(
      message
        ? `The connector refused ${method} ${path}: ${message} (HTTP ${response.status}).`
        : `The connector answered HTTP ${response.status} to ${method} ${path}. Check its log.`,
    );
  }
  return { status: response.status, body };
}

// ---------- formatting ----------

function formatTime(iso) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return String(iso ?? '');
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

const timeEl = (iso) => h('time', { datetime: iso }, formatTime(iso));

function formatValue(value) {
  if (value === null || value === undefined || value === '') return '(empty)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const badge = (kind, text) => h('span', { class: `badge badge-${kind}` }, text);

/** Replaces a container's children, then puts focus back on the control that had it (by data-focus-key). */
function replaceKeepingFocus(container, nodes) {
  const focusKey = document.activeElement?.getAttribute?.('data-focus-key');
  container.replaceChildren(...nodes);
  if (!focusKey) return;
  for (const candidate of container.querySelectorAll('[data-focus-key]')) {
    if (candidate.getAttribute('data-focus-key') === focusKey) candidate.focus();
  }
}

/** True when `data` differs from what the section shows now (and remembers it). */
function changed(section, data) {
  const json = JSON.stringify(data);
  if (view.shown.get(section) === json) return false;
  view.shown.set(section, json);
  return true;
}

// ---------- messages ----------

function notify(text) {
  const notice = byId('notice');
  notice.textContent = text;
  notice.hidden = false;
}

function showProblem(text) {
  const problem = byId('problem');
  if (problem.textContent !== text) problem.textContent = text;
  problem.hidden = false;
}

function clearProblem() {
  byId('problem').hidden = true;
}

function handleFailure(error) {
  if (error instanceof Unauthorized) askForToken();
  else showProblem(error.message);
}

// ---------- token ----------

function askForToken() {
  const refused = sessionStorage.getItem(TOKEN_KEY) !== null;
  sessionStorage.removeItem(TOKEN_KEY);
  byId('token-explain').textContent = refused
    ? 'The connector refused that admin token. Check server.adminToken in its configuration and enter it again.'
    : "This connector's data is protected by server.adminToken. Enter that token to see it; it is kept in this browser tab only.";
  const panel = byId('token-panel');
  const wasHidden = panel.hidden;
  panel.hidden = false;
  byId('data').hidden = true;
  view.needsToken = true;
  view.shown.clear();
  if (wasHidden || refused) byId('token-input').focus();
}

function onTokenSubmit(event) {
  event.preventDefault();
  const input = byId('token-input');
  const token = input.value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  input.value = '';
  view.needsToken = false;
  byId('token-panel').hidden = true;
  void refresh();
}

// ---------- sections ----------

function renderStatus(status) {
  byId('connection-id').textContent = `Connection: ${status.connectionId}`;
  if (changed('status', status)) {
    const connection = status.connection;
    const paused = !connection || connection.state === 'paused';
    const stateText = !connection ? 'Not connected' : paused ? 'Paused' : 'Active';
    byId('connection-state').replaceChildren(badge(paused ? 'paused' : 'active', stateText));
    const reason = !connection
      ? 'No Partner Center connection has been recorded yet.'
      : paused
        ? `Reason: ${connection.pausedReason ?? 'no reason was recorded.'}`
        : 'Syncing normally.';
    byId('connection-reason').textContent = reason;
    byId('connection-fix').hidden = !paused;

    const linkCounts = LINK_STATES.flatMap((state) => [
      h('dt', null, state),
      h('dd', null, String(status.links?.[state] ?? 0)),
    ]);
    byId('link-counts').replaceChildren(...linkCounts);
    const queue = status.queue ?? {};
    byId('queue-counts').replaceChildren(
      h('dt', null, 'pending'),
      h('dd', null, String(queue.pending ?? 0)),
      h('dt', null, 'running'),
      h('dd', null, String(queue.running ?? 0)),
      h('dt', null, 'dead letters'),
      h('dd', null, String(queue.deadLetters ?? 0)),
    );
  }
}

function linkRow(link) {
  const open = () => void openAudit(link.id);
  return h(
    'tr',
    {
      'data-link-id': link.id,
      class: link.id === view.selectedLinkId ? 'selected' : null,
      'aria-current': link.id === view.selectedLinkId ? 'true' : null,
      onclick: (event) => {
        if (!event.target.closest('button')) open();
      },
    },
    h('td', null, badge(link.state, link.state)),
    h('td', { class: 'id' }, link.referralId ?? '—'),
    h('td', { class: 'id' }, link.opportunityId ?? '—'),
    h('td', { class: 'last-error' }, link.lastError ? link.lastError.message : ''),
    h('td', null, timeEl(link.updatedAt)),
    h(
      'td',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'quiet',
          'data-focus-key': `audit:${link.id}`,
          'aria-label': `Audit trail for link ${link.id}`,
          onclick: open,
        },
        'Audit trail',
      ),
      h(
        'button',
        {
          type: 'button',
          'data-focus-key': `retry:${link.id}`,
          'aria-label': `Retry link ${link.id}`,
          onclick: () => void retry(link),
        },
        'Retry',
      ),
    ),
  );
}

function renderLinks({ links, more }) {
  byId('links-more').hidden = !more;
  if (!changed('links', { filter: view.filter, selected: view.selectedLinkId, links })) return;
  replaceKeepingFocus(byId('links-table').tBodies[0], links.map(linkRow));
  byId('links-empty').hidden = links.length > 0;
}

/** The links the page shows: view.linkPages pages of the API's id-ordered list (keyset paging with `after`). */
async function loadLinks() {
  const links = [];
  let after = null;
  for (let page = 0; page < view.linkPages; page += 1) {
    const params = new URLSearchParams({ limit: String(LINK_PAGE_SIZE) });
    if (view.filter) params.set('state', view.filter);
    if (after) params.set('after', after);
    const batch = (await api('GET', `/api/links?${params}`)).body.links ?? [];
    links.push(...batch);
    if (batch.length < LINK_PAGE_SIZE) return { links, more: false };
    after = batch[batch.length - 1].id;
  }
  return { links, more: true };
}

function changeList(changes) {
  return h(
    'ul',
    { class: 'changes', 'aria-label': 'Field changes' },
    changes.map((change) =>
      h(
        'li',
        null,
        h('span', { class: 'field' }, change.field),
        h(
          'span',
          { class: 'side' },
          change.side === 'salesforce' ? ' in Salesforce: ' : ' in Partner Center: ',
        ),
        h('span', { class: 'before' }, formatValue(change.before)),
        h('span', { class: 'arrow', 'aria-label': 'changed to' }, ' → '),
        h('span', { class: 'after' }, formatValue(change.after)),
      ),
    ),
  );
}

function auditItem(entry) {
  return h(
    'li',
    { class: 'entry' },
    h(
      'div',
      { class: 'entry-head' },
      timeEl(entry.at),
      badge(`outcome-${entry.outcome}`, entry.outcome),
      h('span', { class: 'fact' }, `trigger: ${entry.trigger}`),
      h('span', { class: 'fact' }, `direction: ${DIRECTIONS[entry.direction] ?? entry.direction}`),
    ),
    h('p', { class: 'entry-message' }, entry.message),
    entry.error ? h('p', { class: 'last-error' }, `${entry.error.code}: ${entry.error.message}`) : null,
    entry.changes?.length ? changeList(entry.changes) : null,
  );
}

function renderAudit(detail) {
  if (!changed('audit', detail)) return;
  const { link, audit } = detail;
  byId('audit-heading').textContent = `Audit trail: link ${link.id}`;
  byId('audit-summary').textContent =
    `Referral ${link.referralId ?? '—'} · opportunity ${link.opportunityId ?? '—'} · state ${link.state}`;
  const newestFirst = [...audit].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  byId('audit-list').replaceChildren(...newestFirst.map(auditItem));
  byId('audit-empty').hidden = audit.length > 0;
}

function deadLetterRow(deadLetter) {
  return h(
    'tr',
    null,
    h('td', null, timeEl(deadLetter.failedAt)),
    h('td', { class: 'id' }, `${deadLetter.jobName} · ${deadLetter.jobKey}`),
    h('td', null, String(deadLetter.attempts)),
    h('td', { class: 'last-error' }, `${deadLetter.errorKind}: ${deadLetter.errorMessage}`),
    h(
      'td',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          'data-focus-key': `redrive:${deadLetter.id}`,
          'aria-label': `Redrive dead letter ${deadLetter.id}`,
          onclick: () => void redrive(deadLetter),
        },
        'Redrive',
      ),
    ),
  );
}

function renderDeadLetters(deadLetters) {
  if (!changed('dead', deadLetters)) return;
  replaceKeepingFocus(byId('dead-table').tBodies[0], deadLetters.map(deadLetterRow));
  byId('dead-empty').hidden = deadLetters.length > 0;
}

// ---------- actions ----------

/** Runs one action at a time per key (a double click sends one request). */
async function once(key, action) {
  if (view.inFlight.has(key)) return;
  view.inFlight.add(key);
  try {
    await action();
  } catch (error) {
    handleFailure(error);
  } finally {
    view.inFlight.delete(key);
  }
}

function retry(link) {
  return once(`retry:${link.id}`, async () => {
    const { status, body } = await api('POST', `/api/links/${encodeURIComponent(link.id)}/retry`);
    notify(
      body.coalesced
        ? `A sync of link ${link.id} was already queued (job ${body.jobId}); it will use the latest data.`
        : `Retry queued for link ${link.id} (HTTP ${status}): job ${body.jobId}. The table updates when it has run.`,
    );
    await refresh();
  });
}

function redrive(deadLetter) {
  return once(`redrive:${deadLetter.id}`, async () => {
    const { status, body } = await api(
      'POST',
      `/api/dead-letters/${encodeURIComponent(deadLetter.id)}/redrive`,
    );
    notify(`Dead letter ${deadLetter.id} is back in the queue (HTTP ${status}): job ${body.jobId}.`);
    await refresh();
  });
}

async function openAudit(linkId) {
  view.selectedLinkId = linkId;
  view.shown.delete('audit');
  byId('audit-list').replaceChildren();
  byId('audit-heading').textContent = `Audit trail: link ${linkId}`;
  byId('audit-summary').textContent = 'Loading…';
  byId('audit-panel').hidden = false;
  byId('audit-heading').focus();
  await refresh();
}

function closeAudit() {
  // Focus goes back to the button that opened the trail (or the links heading when that row is gone).
  const opener = [...document.querySelectorAll('[data-focus-key]')].find(
    (button) => button.getAttribute('data-focus-key') === `audit:${view.selectedLinkId}`,
  );
  view.selectedLinkId = null;
  byId('audit-panel').hidden = true;
  (opener ?? byId('links-heading')).focus();
  void refresh();
}

// ---------- refresh ----------

let refreshing = null;
let queued = null;

/**
 * Loads everything the page shows. A call made while a load runs gets one more load after it (so it sees the
 * change that prompted it); further calls in the meantime share that one.
 */
function refresh() {
  if (view.needsToken && !sessionStorage.getItem(TOKEN_KEY)) return Promise.resolve();
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
  try {
    const selected = view.selectedLinkId;
    const [status, links, dead, detail] = await Promise.all([
      api('GET', '/api/status'),
      loadLinks(),
      api('GET', '/api/dead-letters'),
      selected ? api('GET', `/api/links/${encodeURIComponent(selected)}`).catch((error) => error) : null,
    ]);
    byId('data').hidden = false;
    byId('token-panel').hidden = true;
    renderStatus(status.body);
    renderLinks(links);
    renderDeadLetters(dead.body.deadLetters ?? []);
    if (detail instanceof Unauthorized) throw detail;
    if (detail instanceof Error) {
      byId('audit-panel').hidden = true;
      view.selectedLinkId = null;
      showProblem(`That link's audit trail could not be loaded: ${detail.message}`);
    } else if (detail && view.selectedLinkId === selected) {
      renderAudit(detail.body);
    }
    if (!(detail instanceof Error)) clearProblem();
    byId('refreshed').textContent = `· updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    handleFailure(error);
  }
}

function start() {
  byId('token-form').addEventListener('submit', onTokenSubmit);
  byId('audit-close').addEventListener('click', closeAudit);
  byId('links-more').addEventListener('click', () => {
    view.linkPages += 1;
    void refresh();
  });
  byId('state-filter').addEventListener('change', (event) => {
    view.filter = event.target.value;
    view.linkPages = 1;
    void refresh();
  });
  void refresh();
  setInterval(() => {
    if (!document.hidden) void refresh();
  }, REFRESH_MS);
}

start();
