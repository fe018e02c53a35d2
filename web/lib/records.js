// @ts-check
// Renderers shared by views: field changes, audit entries and the side-by-side comparison of a deal.
import { badge, DIRECTIONS, formatValue, h, timeEl } from './dom.js';

/** @typedef {import('../../src/http/adminTypes.ts').AuditEntry} AuditEntry */
/** @typedef {import('../../src/http/adminTypes.ts').FieldComparison} FieldComparison */
/** @typedef {import('../../src/http/adminTypes.ts').DealComparisonResponse} DealComparisonResponse */

/** @param {AuditEntry['changes']} changes */
export function changeList(changes) {
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

/** @param {AuditEntry} entry */
export function auditItem(entry) {
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
    entry.changes.length ? changeList(entry.changes) : null,
  );
}

/**
 * A collection (contacts, solutions, team) as a list, one item per record.
 * @param {unknown} value
 */
function valueCell(value) {
  if (!Array.isArray(value)) return formatValue(value);
  if (value.length === 0) return '(none)';
  return h(
    'ul',
    { class: 'records' },
    value.map((item) => {
      const record = /** @type {Record<string, unknown>} */ (item ?? {});
      const label =
        [record['firstName'], record['lastName']].filter(Boolean).join(' ') || record['name'] || record['id'];
      const key = record['email'] ?? record['id'];
      return h(
        'li',
        null,
        label && label !== key ? `${String(label)} · ${String(key)}` : String(key ?? formatValue(item)),
      );
    }),
  );
}

const DIRECTION_TEXT = /** @type {Record<string, string>} */ ({
  both: '⇄ both ways',
  toSalesforce: '→ to Salesforce only',
  toPartnerCenter: '← to Partner Center only',
});

/**
 * The comparison table: one row per deal field, Salesforce, Partner Center and base side by side.
 * @param {DealComparisonResponse} comparison
 * @param {string} caption
 */
export function comparisonTable(comparison, caption) {
  const rows = comparison.fields.map((field) => {
    const state = field.conflict ? 'conflict' : field.differs ? 'differs' : 'same';
    return h(
      'tr',
      { class: `cmp-${state}`, 'data-field': field.field },
      h(
        'th',
        { scope: 'row' },
        field.field,
        h(
          'span',
          { class: 'meta block' },
          `${field.salesforceField ?? 'not in Salesforce'} · ${DIRECTION_TEXT[field.direction] ?? field.direction}`,
        ),
      ),
      h(
        'td',
        { class: 'sf' },
        field.storedInSalesforce ? valueCell(field.salesforce) : h('span', { class: 'meta' }, 'not stored'),
      ),
      h('td', { class: 'pc' }, valueCell(field.partnerCenter)),
      h('td', { class: 'base' }, valueCell(field.base)),
      h(
        'td',
        { class: 'verdict' },
        field.conflict
          ? badge('conflict', `conflict: ${field.conflict.winner} wins`)
          : field.differs
            ? badge('pending', 'differs')
            : badge('synced', 'same'),
      ),
    );
  });
  return h(
    'table',
    { class: 'compare' },
    h('caption', { class: 'visually-hidden' }, caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Field'),
        h('th', { scope: 'col' }, comparison.opportunityFound ? 'Salesforce' : 'Salesforce (no opportunity)'),
        h(
          'th',
          { scope: 'col' },
          comparison.referralFound ? 'Partner Center' : 'Partner Center (no referral)',
        ),
        h('th', { scope: 'col' }, 'Last agreed'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Difference')),
      ),
    ),
    h('tbody', null, rows),
  );
}
