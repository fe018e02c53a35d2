// @ts-check
// Needs attention: deals in error, in conflict or dead-lettered with reason and fix; bulk retry; orphan dead letters.
import { api, get } from '../lib/api.js';
import { byId, changed, h, notify, replaceKeepingFocus, stateBadge, timeEl } from '../lib/dom.js';
import { once } from '../lib/session.js';
import { dealTitle } from './deals.js';

/** @typedef {import('../../src/http/adminTypes.ts').AttentionResponse} AttentionResponse */
/** @typedef {import('../../src/http/adminTypes.ts').BulkRetryResponse} BulkRetryResponse */
/** @typedef {import('../../src/http/adminTypes.ts').DealSummary} DealSummary */

const selected = new Set();
const view = { reload: async () => {} };

/** @param {string[]} linkIds */
function retry(linkIds) {
  return once(`retry:${linkIds.join(',')}`, async () => {
    const { status, body } = await api('POST', '/api/deals/retry', { linkIds });
    const result = /** @type {BulkRetryResponse} */ (body);
    const count = result.queued.length + result.redriven.length;
    const which = linkIds.length === 1 ? `link ${linkIds[0]}` : `${count} deals`;
    notify(
      `Retry queued for ${which} (HTTP ${status}): ${result.redriven.length} dead-lettered job(s) back in the queue, ${result.queued.length} new sync(s).${result.notFound.length ? ` Not found: ${result.notFound.join(', ')}.` : ''} The list updates when they have run.`,
    );
    for (const id of linkIds) selected.delete(id);
    await view.reload();
  });
}

/** @param {DealSummary} deal */
function attentionRow(deal) {
  const name = deal.name ?? `link ${deal.linkId}`;
  return h(
    'tr',
    { 'data-link-id': deal.linkId },
    h(
      'td',
      null,
      h('input', {
        type: 'checkbox',
        'aria-label': `Select ${name}`,
        'data-focus-key': `select:${deal.linkId}`,
        checked: selected.has(deal.linkId),
        onchange: (/** @type {Event} */ event) => {
          const box = /** @type {HTMLInputElement} */ (event.target);
          if (box.checked) selected.add(deal.linkId);
          else selected.delete(deal.linkId);
        },
      }),
    ),
    h('td', { class: 'deal' }, dealTitle(deal)),
    h('td', null, stateBadge(deal.syncState)),
    h('td', { class: 'last-error' }, deal.problem?.message ?? 'no reason recorded'),
    h('td', { class: 'fix' }, deal.problem?.fix ?? 'Retry the sync.'),
    h('td', null, timeEl(deal.lastSyncAt)),
    h(
      'td',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          'data-focus-key': `retry:${deal.linkId}`,
          'aria-label': `Retry link ${deal.linkId}`,
          onclick: () => void retry([deal.linkId]),
        },
        'Retry',
      ),
    ),
  );
}

/** @param {AttentionResponse['unlinkedDeadLetters'][number]} deadLetter */
function deadLetterRow(deadLetter) {
  return h(
    'tr',
    null,
    h('td', null, timeEl(deadLetter.failedAt)),
    h('td', { class: 'id' }, `${deadLetter.jobName} · ${deadLetter.jobKey}`),
    h('td', null, String(deadLetter.attempts)),
    h('td', { class: 'last-error' }, `${deadLetter.errorKind}: ${deadLetter.errorMessage}`),
    h('td', { class: 'fix' }, deadLetter.fix),
    h(
      'td',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          'data-focus-key': `redrive:${deadLetter.id}`,
          'aria-label': `Redrive dead letter ${deadLetter.id}`,
          onclick: () =>
            void once(`redrive:${deadLetter.id}`, async () => {
              const { status, body } = await api(
                'POST',
                `/api/dead-letters/${encodeURIComponent(deadLetter.id)}/redrive`,
              );
              notify(
                `Dead letter ${deadLetter.id} is back in the queue (HTTP ${status}): job ${/** @type {{ jobId: string }} */ (body).jobId}.`,
              );
              await view.reload();
            }),
        },
        'Redrive',
      ),
    ),
  );
}

/** @param {AttentionResponse} attention */
export function attentionCount(attention) {
  return attention.deals.length + attention.unlinkedDeadLetters.length;
}

/** @param {AttentionResponse} [known] the answer already fetched this refresh */
export async function loadAttention(known) {
  const attention = known ?? /** @type {AttentionResponse} */ (await get('/api/attention'));
  if (!changed('attention', attention)) return;
  const ids = new Set(attention.deals.map((deal) => deal.linkId));
  for (const id of selected) if (!ids.has(id)) selected.delete(id);
  const table = /** @type {HTMLTableElement} */ (byId('attention-table'));
  replaceKeepingFocus(table.tBodies[0] ?? table, attention.deals.map(attentionRow));
  byId('attention-empty').hidden = attention.deals.length > 0;
  const dead = /** @type {HTMLTableElement} */ (byId('dead-table'));
  replaceKeepingFocus(dead.tBodies[0] ?? dead, attention.unlinkedDeadLetters.map(deadLetterRow));
  byId('dead-empty').hidden = attention.unlinkedDeadLetters.length > 0;
}

/** @param {() => Promise<void>} reload */
export function initAttention(reload) {
  view.reload = reload;
  const all = /** @type {HTMLInputElement} */ (byId('attention-all'));
  all.addEventListener('change', () => {
    for (const box of byId('attention-table').querySelectorAll('tbody input[type="checkbox"]')) {
      const input = /** @type {HTMLInputElement} */ (box);
      input.checked = all.checked;
      input.dispatchEvent(new Event('change'));
    }
  });
  byId('attention-retry').addEventListener('click', () => {
    if (selected.size === 0) {
      notify('Select the deals to retry first (or use Select all).');
      return;
    }
    void retry([...selected]);
  });
}
