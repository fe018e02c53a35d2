// @ts-check
// Mapping: the effective mapping (after adapting to the org) and a test of it against one record.
import { api, get } from '../lib/api.js';
import { byId, changed, h } from '../lib/dom.js';
import { comparisonTable } from '../lib/records.js';
import { once } from '../lib/session.js';

/** @typedef {import('../../src/http/adminTypes.ts').DealComparisonResponse} DealComparisonResponse */
/** @typedef {import('../../src/domain/mapping/mappingSchema.ts').Mapping} Mapping */

/** @param {Mapping} mapping */
function fieldsTable(mapping) {
  const rows = Object.entries(mapping.fields).map(([field, spec]) =>
    h(
      'tr',
      null,
      h('th', { scope: 'row' }, field),
      h(
        'td',
        { class: 'id' },
        'salesforceField' in spec ? (spec.salesforceField ?? '— (not stored)') : '(related records)',
      ),
      h('td', null, spec.direction),
      h('td', null, spec.conflict),
    ),
  );
  return [
    h(
      'caption',
      { class: 'visually-hidden' },
      'Deal fields, their Salesforce API names, sync direction and conflict winner',
    ),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Deal field'),
        h('th', { scope: 'col' }, 'Salesforce field'),
        h('th', { scope: 'col' }, 'Direction'),
        h('th', { scope: 'col' }, 'On conflict'),
      ),
    ),
    h('tbody', null, rows),
  ];
}

export async function loadMapping() {
  const { mapping } = /** @type {{ mapping: Mapping }} */ (await get('/api/mapping'));
  if (!changed('mapping', mapping)) return;
  byId('mapping-fields').replaceChildren(...fieldsTable(mapping));
  byId('mapping-json').textContent = JSON.stringify(mapping, null, 2);
}

export function initMapping() {
  const form = /** @type {HTMLFormElement} */ (byId('mapping-test'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const kind = String(data.get('kind'));
    const id = String(data.get('id') ?? '').trim();
    if (!id) return;
    const status = byId('mapping-test-status');
    status.textContent = `Reading ${id}…`;
    void once('mapping-test', async () => {
      try {
        const comparison = /** @type {DealComparisonResponse} */ (
          (await api('POST', '/api/mapping/test', { [kind]: id })).body
        );
        byId('mapping-test-result').replaceChildren(
          comparisonTable(comparison, `The mapping applied to ${id}`),
        );
        status.textContent = `${comparison.opportunityFound ? `Opportunity ${comparison.opportunityId}` : 'No opportunity'} and ${comparison.referralFound ? `referral ${comparison.referralId}` : 'no referral'} read through the mapping.`;
      } catch (error) {
        byId('mapping-test-result').replaceChildren();
        status.textContent = error instanceof Error ? error.message : String(error);
      }
    });
  });
}
