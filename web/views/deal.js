// @ts-check
// One deal: facts, its problem and fix, actions (sync now, dry run, retry, unlink), both sides side by side, audit trail.
import { api, get } from '../lib/api.js';
import { byId, changed, formatAmount, h, notify, stateBadge } from '../lib/dom.js';
import { auditItem, changeList, comparisonTable } from '../lib/records.js';
import { once } from '../lib/session.js';
import { openLinks } from './deals.js';

/** @typedef {import('../../src/http/adminTypes.ts').DealDetailResponse} DealDetailResponse */
/** @typedef {import('../../src/http/adminTypes.ts').DealComparisonResponse} DealComparisonResponse */
/** @typedef {import('../../src/http/adminTypes.ts').DealPlanResponse} DealPlanResponse */
/** @typedef {import('../../src/http/adminTypes.ts').EnqueuedResponse} EnqueuedResponse */

export const dealView = {
  /** @type {string | null} */
  linkId: null,
  /** @type {string | null} the deal whose comparison is shown */
  compared: null,
  reload: async () => {},
};

const path = (suffix = '') => `/api/deals/${encodeURIComponent(dealView.linkId ?? '')}${suffix}`;

/**
 * @param {string} term
 * @param {string | Node | (string | Node | null)[]} value
 */
const fact = (term, value) => [h('dt', null, term), h('dd', null, value)];

/** @param {DealDetailResponse} detail */
function renderDetail(detail) {
  const { deal } = detail;
  byId('deal-heading').textContent = deal.name ?? `Link ${deal.linkId}`;
  byId('deal-facts').replaceChildren(
    h(
      'dl',
      { class: 'counts facts-list' },
      fact('Sync state', stateBadge(deal.syncState)),
      fact('Account', deal.account ?? '—'),
      fact('Amount', formatAmount(deal.amount, deal.currency)),
      fact('Stage ⇄ status', `${deal.stage ?? '—'} ⇄ ${deal.status ?? '—'}`),
      fact('Referral id', deal.referralId ?? '—'),
      fact('Opportunity id', deal.opportunityId ?? '—'),
      fact('Link id', deal.linkId),
      fact(
        'Last sync',
        deal.lastSyncAt
          ? `${new Date(deal.lastSyncAt).toLocaleString()} (${deal.lastTrigger ?? '?'})`
          : 'never',
      ),
      fact('Open in', openLinks(deal)),
    ),
  );
  const problem = byId('deal-problem');
  problem.textContent = deal.problem ? `${deal.problem.code}: ${deal.problem.message}` : '';
  problem.hidden = !deal.problem;
  const fix = byId('deal-fix');
  fix.textContent = deal.problem ? `What to do: ${deal.problem.fix}` : '';
  fix.hidden = !deal.problem;
  byId('deal-retry').hidden = !deal.problem;
  const newestFirst = [...detail.audit].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  byId('audit-list').replaceChildren(...newestFirst.map(auditItem));
  byId('audit-empty').hidden = detail.audit.length > 0;
}

async function loadComparison() {
  const status = byId('compare-status');
  status.textContent = 'Reading both sides…';
  try {
    const comparison = /** @type {DealComparisonResponse} */ (await get(path('/comparison')));
    const differing = comparison.fields.filter((field) => field.differs).length;
    const conflicts = comparison.fields.filter((field) => field.conflict).length;
    byId('compare').replaceChildren(
      comparisonTable(comparison, 'Each field in Salesforce, in Partner Center and as last agreed'),
    );
    status.textContent = `Read just now: ${differing} field(s) differ, ${conflicts} conflict(s).`;
  } catch (error) {
    byId('compare').replaceChildren();
    status.textContent = error instanceof Error ? error.message : String(error);
  }
}

/** @param {string} linkId */
export async function loadDeal(linkId) {
  if (dealView.linkId !== linkId) {
    dealView.linkId = linkId;
    byId('plan-panel').hidden = true;
    byId('unlink-confirm').hidden = true;
    byId('compare').replaceChildren();
  }
  const detail = /** @type {DealDetailResponse} */ (await get(path()));
  if (changed('deal', detail)) renderDetail(detail);
  // The comparison reads both upstream systems: once per visit and on request, not on every refresh.
  if (dealView.compared !== linkId) {
    dealView.compared = linkId;
    await loadComparison();
  }
}

/** @param {string} verb */
function queueSync(verb) {
  return once(`sync:${dealView.linkId}`, async () => {
    const { status, body } = await api('POST', path('/sync'));
    const job = /** @type {EnqueuedResponse} */ (body);
    notify(
      job.coalesced
        ? `A sync of this deal was already queued (job ${job.jobId}); it will use the latest data.`
        : `${verb} queued for link ${dealView.linkId} (HTTP ${status}): job ${job.jobId}. This page updates when it has run.`,
    );
    dealView.compared = null;
    await dealView.reload();
  });
}

/** @param {() => Promise<void>} reload */
export function initDeal(reload) {
  dealView.reload = reload;
  byId('deal-sync').addEventListener('click', () => void queueSync('Sync'));
  byId('deal-retry').addEventListener('click', () => void queueSync('Retry'));
  byId('compare-refresh').addEventListener('click', () => void once('compare', loadComparison));
  byId('deal-plan').addEventListener(
    'click',
    () =>
      void once(`plan:${dealView.linkId}`, async () => {
        const plan = /** @type {DealPlanResponse} */ ((await api('POST', path('/plan'))).body);
        const changes = [...plan.toSalesforce, ...plan.toPartnerCenter];
        byId('plan-message').textContent =
          `${plan.action}: ${plan.message}${plan.conflicts.length ? ` Conflicts: ${plan.conflicts.map((c) => `${c.field} (${c.winner} wins)`).join(', ')}.` : ''}`;
        byId('plan-changes').replaceChildren(
          changes.length ? changeList(changes) : h('p', { class: 'empty' }, 'Nothing would be written.'),
        );
        byId('plan-panel').hidden = false;
        byId('plan-heading').focus();
      }),
  );
  byId('deal-unlink').addEventListener('click', () => {
    byId('unlink-confirm').hidden = false;
    byId('deal-unlink-confirm').focus();
  });
  byId('deal-unlink-cancel').addEventListener('click', () => {
    byId('unlink-confirm').hidden = true;
    byId('deal-unlink').focus();
  });
  byId('deal-unlink-confirm').addEventListener(
    'click',
    () =>
      void once(`unlink:${dealView.linkId}`, async () => {
        await api('DELETE', path());
        notify(`Unlinked link ${dealView.linkId}: the next sync of either record treats it as new.`);
        dealView.linkId = null;
        location.hash = '#/deals';
      }),
  );
}
