// @ts-check
// Deals: the searchable, filterable, sortable, paged list (all done by the admin API over the store).
import { get } from '../lib/api.js';
import { byId, changed, formatAmount, h, replaceKeepingFocus, stateBadge, timeEl } from '../lib/dom.js';

/** @typedef {import('../../src/http/adminTypes.ts').DealListResponse} DealListResponse */
/** @typedef {import('../../src/http/adminTypes.ts').DealSummary} DealSummary */

const FILTERS = /** @type {const} */ (['q', 'state', 'direction', 'trigger', 'from', 'to']);

export const dealsView = {
  /** @type {Record<(typeof FILTERS)[number], string>} */
  filters: { q: '', state: '', direction: '', trigger: '', from: '', to: '' },
  sort: 'updatedAt',
  order: 'desc',
  page: 1,
  pageSize: 25,
  total: 0,
  /** @type {() => Promise<void>} */
  reload: async () => {},
};

/**
 * A deal's name as a link to its page, with the ids underneath.
 * @param {DealSummary} deal
 */
export function dealTitle(deal) {
  return [
    h(
      'a',
      { href: `#/deals/${encodeURIComponent(deal.linkId)}`, class: 'deal-link' },
      deal.name ?? `Link ${deal.linkId}`,
    ),
    h('span', { class: 'ids' }, `${deal.referralId ?? '—'} · ${deal.opportunityId ?? '—'}`),
  ];
}

/** @param {DealSummary} deal */
export function openLinks(deal) {
  return [
    deal.salesforceUrl
      ? h(
          'a',
          {
            href: deal.salesforceUrl,
            target: '_blank',
            rel: 'noopener',
            'aria-label': `Open ${deal.name ?? deal.linkId} in Salesforce`,
          },
          'Salesforce',
        )
      : null,
    deal.salesforceUrl && deal.partnerCenterUrl ? ' · ' : null,
    deal.partnerCenterUrl
      ? h(
          'a',
          {
            href: deal.partnerCenterUrl,
            target: '_blank',
            rel: 'noopener',
            'aria-label': `Open ${deal.name ?? deal.linkId} in Partner Center`,
          },
          'Partner Center',
        )
      : null,
  ];
}

/** @param {DealSummary} deal */
function dealRow(deal) {
  return h(
    'tr',
    { 'data-link-id': deal.linkId },
    h('td', { class: 'deal' }, dealTitle(deal)),
    h('td', null, deal.account ?? '—'),
    h('td', { class: 'num' }, formatAmount(deal.amount, deal.currency)),
    h('td', null, deal.stage ?? '—', h('span', { class: 'ids' }, deal.status ?? '')),
    h(
      'td',
      { class: 'state' },
      stateBadge(deal.syncState),
      deal.problem ? h('span', { class: 'last-error block' }, deal.problem.message) : null,
    ),
    h('td', null, timeEl(deal.lastSyncAt), h('span', { class: 'ids' }, deal.lastTrigger ?? '')),
    h('td', { class: 'open' }, openLinks(deal)),
  );
}

function renderSortHeaders() {
  for (const th of byId('deals-table').querySelectorAll('th[data-sort]')) {
    const key = th.getAttribute('data-sort') ?? '';
    const active = key === dealsView.sort;
    th.setAttribute('aria-sort', active ? (dealsView.order === 'asc' ? 'ascending' : 'descending') : 'none');
    let button = th.querySelector('button');
    if (!button) {
      button = h(
        'button',
        { type: 'button', class: 'sort', 'data-focus-key': `sort:${key}` },
        th.textContent ?? key,
      );
      button.addEventListener('click', () => {
        dealsView.order = dealsView.sort === key && dealsView.order === 'asc' ? 'desc' : 'asc';
        dealsView.sort = key;
        dealsView.page = 1;
        void dealsView.reload();
      });
      th.replaceChildren(button);
    }
    button.setAttribute(
      'aria-label',
      `Sort by ${button.textContent}${active ? (dealsView.order === 'asc' ? ', sorted ascending' : ', sorted descending') : ''}`,
    );
  }
}

export async function loadDeals() {
  const params = new URLSearchParams({
    sort: dealsView.sort,
    order: dealsView.order,
    page: String(dealsView.page),
    pageSize: String(dealsView.pageSize),
  });
  for (const key of FILTERS) if (dealsView.filters[key]) params.set(key, dealsView.filters[key]);
  const list = /** @type {DealListResponse} */ (await get(`/api/deals?${params}`));
  renderSortHeaders();
  dealsView.total = list.total;
  const first = list.total === 0 ? 0 : (list.page - 1) * list.pageSize + 1;
  const last = (list.page - 1) * list.pageSize + list.deals.length;
  byId('deals-range').textContent = `${first}–${last} of ${list.total}`;
  /** @type {HTMLButtonElement} */ (byId('deals-prev')).disabled = list.page <= 1;
  /** @type {HTMLButtonElement} */ (byId('deals-next')).disabled = last >= list.total;
  if (!changed('deals', list)) return;
  replaceKeepingFocus(
    /** @type {HTMLTableElement} */ (byId('deals-table')).tBodies[0] ?? byId('deals-table'),
    list.deals.map(dealRow),
  );
  byId('deals-empty').hidden = list.deals.length > 0;
}

/** @param {() => Promise<void>} reload */
export function initDeals(reload) {
  dealsView.reload = reload;
  const form = /** @type {HTMLFormElement} */ (byId('deal-filters'));
  let typing = 0;
  const apply = () => {
    const data = new FormData(form);
    for (const key of FILTERS) dealsView.filters[key] = String(data.get(key) ?? '').trim();
    dealsView.page = 1;
    void reload();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
  form.addEventListener('change', apply);
  // Search as one types, once typing pauses.
  byId('deal-search').addEventListener('input', () => {
    clearTimeout(typing);
    typing = window.setTimeout(apply, 250);
  });
  byId('deals-prev').addEventListener('click', () => {
    dealsView.page = Math.max(1, dealsView.page - 1);
    void reload();
  });
  byId('deals-next').addEventListener('click', () => {
    dealsView.page += 1;
    void reload();
  });
}
