// @ts-check
// Overview: connection health, deal and queue counts, triggers and schedule, API budget, 24-hour activity, alerts.
import { api, get } from '../lib/api.js';
import { badge, byId, changed, formatTime, h, svg } from '../lib/dom.js';
import { once } from '../lib/session.js';

/** @typedef {import('../../src/http/adminTypes.ts').OverviewResponse} OverviewResponse */
/** @typedef {import('../../src/http/adminTypes.ts').HealthResponse} HealthResponse */
/** @typedef {HealthResponse['health'][number]} HealthCheck */

const HEALTH_BADGES = /** @type {const} */ ({
  error: ['error', 'Needs action'],
  warning: ['paused', 'Check'],
  info: ['paused', 'Note'],
});

/** One line per check (Partner Center sign-in, its renewal, Salesforce sign-in, webhook), with the fix when not ok. */
function renderHealth(/** @type {HealthCheck[]} */ checks) {
  byId('health-list').replaceChildren(
    ...checks.map((check) => {
      const [kind, label] = check.ok ? ['active', 'OK'] : HEALTH_BADGES[check.severity];
      return h(
        'li',
        { class: 'health-check', 'data-check': check.check },
        badge(kind, label),
        ' ',
        h('strong', null, check.check),
        ': ',
        check.detail,
        !check.ok && check.fix ? h('p', { class: 'fix' }, `What to do: ${check.fix}`) : null,
      );
    }),
  );
  byId('health-panel').hidden = checks.length === 0;
}

const LINK_STATES = /** @type {const} */ (['synced', 'pending', 'error', 'conflict', 'paused']);

/** @param {OverviewResponse['connection']} connection */
function renderConnection(connection) {
  const paused = !connection || connection.state === 'paused';
  const stateText = !connection ? 'Not connected' : paused ? 'Paused' : 'Active';
  byId('connection-state').replaceChildren(badge(paused ? 'paused' : 'active', stateText));
  byId('connection-reason').textContent = !connection
    ? 'No Partner Center connection has been recorded yet.'
    : paused
      ? `Reason: ${connection.pausedReason ?? 'no reason was recorded.'}`
      : 'Syncing normally.';
  const fix = byId('connection-fix');
  fix.textContent = connection?.fix ?? '';
  fix.hidden = !connection?.fix;
}

/**
 * @param {HTMLElement} list
 * @param {[string, string][]} pairs
 */
function fillCounts(list, pairs) {
  list.replaceChildren(...pairs.flatMap(([term, value]) => [h('dt', null, term), h('dd', null, value)]));
}

/** @param {OverviewResponse['salesforceApi']} usage */
function renderApiUsage(usage) {
  const box = byId('api-usage');
  if (!usage) {
    box.replaceChildren(
      h('p', { class: 'meta' }, 'Not known yet: Salesforce reports it with the first API call.'),
    );
    return;
  }
  const share = usage.max > 0 ? usage.used / usage.max : 0;
  const over = share >= usage.budgetRatio;
  box.replaceChildren(
    h(
      'p',
      { class: 'big' },
      `${usage.used.toLocaleString()} of ${usage.max.toLocaleString()} requests (${Math.round(share * 100)}%)`,
    ),
    h('meter', {
      id: 'api-meter',
      min: 0,
      max: usage.max,
      value: usage.used,
      high: Math.round(usage.max * usage.budgetRatio),
      optimum: 0,
      'aria-label': 'Salesforce API requests used today',
    }),
    h(
      'p',
      { class: over ? 'last-error' : 'meta' },
      over
        ? `Above the ${Math.round(usage.budgetRatio * 100)}% budget: polling runs ten times less often until use drops.`
        : `Polling slows down above ${Math.round(usage.budgetRatio * 100)}% (sync.salesforceApiBudgetRatio).`,
    ),
  );
}

/** @param {OverviewResponse['activity']} activity */
function activityChart(activity) {
  const width = 720;
  const height = 180;
  const top = 10;
  const bottom = 24;
  const max = Math.max(1, ...activity.map((bucket) => bucket.ok + bucket.errors + bucket.other));
  const slot = width / activity.length;
  const scale = (/** @type {number} */ count) => ((height - top - bottom) * count) / max;
  const totalOk = activity.reduce((sum, bucket) => sum + bucket.ok, 0);
  const totalErrors = activity.reduce((sum, bucket) => sum + bucket.errors, 0);
  const bars = activity.flatMap((bucket, index) => {
    const x = index * slot + slot * 0.15;
    const barWidth = slot * 0.7;
    const okHeight = scale(bucket.ok + bucket.other);
    const errorHeight = scale(bucket.errors);
    const base = height - bottom;
    const hour = new Date(bucket.hourStartAt).toLocaleTimeString(undefined, {
      hour: '2-digit',
      minute: '2-digit',
    });
    const label = `${hour}: ${bucket.ok + bucket.other} synced, ${bucket.errors} errors`;
    return [
      svg(
        'rect',
        { class: 'bar-ok', x, y: base - okHeight, width: barWidth, height: okHeight },
        svg('title', null, label),
      ),
      svg(
        'rect',
        { class: 'bar-error', x, y: base - okHeight - errorHeight, width: barWidth, height: errorHeight },
        svg('title', null, label),
      ),
      index % 4 === 0
        ? svg('text', { x: x + barWidth / 2, y: height - 6, 'text-anchor': 'middle', class: 'axis' }, hour)
        : null,
    ];
  });
  return [
    svg(
      'svg',
      {
        viewBox: `0 0 ${width} ${height}`,
        role: 'img',
        'aria-label': `Last 24 hours: ${totalOk} syncs without error, ${totalErrors} errors`,
        preserveAspectRatio: 'none',
      },
      svg('line', { x1: 0, x2: width, y1: height - bottom, y2: height - bottom, class: 'axis-line' }),
      bars,
    ),
    h(
      'p',
      { class: 'legend' },
      h('span', { class: 'key key-ok' }),
      ' synced ',
      h('span', { class: 'key key-error' }),
      ' errors · ',
      `tallest bar: ${max}`,
    ),
  ];
}

/** Alerts come from GET /api/alerts when alerting is part of this connector; without it the panel says so. */
async function loadAlerts() {
  /** @type {{ kind?: string, title?: string, message?: string, since?: string, startedAt?: string }[]} */
  let alerts;
  try {
    const body =
      /** @type {{ alerts?: { kind?: string, title?: string, message?: string, since?: string, startedAt?: string }[] }} */ (
        (await api('GET', '/api/alerts')).body
      );
    alerts = body.alerts ?? [];
  } catch {
    alerts = [];
  }
  if (!changed('alerts', alerts)) return;
  byId('alerts-list').replaceChildren(
    ...alerts.map((alert) =>
      h(
        'li',
        { class: 'alert' },
        badge('error', alert.title ?? alert.kind ?? 'alert'),
        ' ',
        alert.message ?? '',
        ' ',
        h('span', { class: 'meta' }, formatTime(alert.since ?? alert.startedAt)),
      ),
    ),
  );
  byId('alerts-empty').hidden = alerts.length > 0;
}

/** @param {() => Promise<void>} refresh */
export function initOverview(refresh) {
  byId('health-recheck').addEventListener('click', () =>
    once('health-recheck', async () => {
      await api('POST', '/api/health/recheck');
      await refresh();
    }),
  );
}

/** The health checks may take a moment (they call Partner Center and Salesforce): shown when they come. */
async function loadHealth() {
  const answer = /** @type {HealthResponse} */ (await get('/api/health'));
  if (changed('health', answer)) renderHealth(answer.health);
}

export async function loadOverview() {
  const health = loadHealth();
  // Awaited below; this only keeps a failure from going unhandled when the overview itself fails first.
  health.catch(() => undefined);
  const overview = /** @type {OverviewResponse} */ (await get('/api/overview'));
  await loadAlerts();
  if (changed('overview', overview)) renderOverview(overview);
  await health;
}

/** @param {OverviewResponse} overview */
function renderOverview(overview) {
  renderConnection(overview.connection);
  fillCounts(
    byId('link-counts'),
    LINK_STATES.map((state) => [state, String(overview.links[state] ?? 0)]),
  );
  fillCounts(byId('queue-counts'), [
    ['pending', String(overview.queue.pending)],
    ['running', String(overview.queue.running)],
    ['dead letters', String(overview.queue.deadLetters)],
  ]);
  const triggers = overview.byTrigger;
  fillCounts(byId('schedule'), [
    ['webhook syncs (24 h)', String(triggers['webhook'] ?? 0)],
    ['poll syncs (24 h)', String(triggers['poll'] ?? 0)],
    ['reconcile syncs (24 h)', String(triggers['reconcile'] ?? 0)],
    ['last Salesforce poll', formatTime(overview.lastPollAt)],
    ['last reconcile', formatTime(overview.lastReconcileAt)],
    ['last webhook received', formatTime(overview.lastWebhookAt)],
  ]);
  renderApiUsage(overview.salesforceApi);
  byId('activity-chart').replaceChildren(...activityChart(overview.activity));
}
