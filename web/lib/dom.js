// @ts-check
// DOM helpers: every value from the API reaches the page as text (text nodes, textContent), never as HTML.

/** @typedef {Node | string | null | undefined | false} Child */
/** @typedef {Record<string, string | number | boolean | null | undefined | ((event: any) => void)>} Props */

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The page is missing #${id}`);
  return node;
}

/**
 * @param {Element} node
 * @param {Props | null | undefined} props
 * @param {(Child | Child[])[]} children
 */
function fill(node, props, children) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
}

/**
 * Builds an HTML element; strings become text nodes. Props starting with `on` are event listeners.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props | null} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  fill(node, props, children);
  return node;
}

/**
 * Builds an SVG element.
 * @param {string} tag
 * @param {Props | null} [props]
 * @param {...(Child | Child[])} children
 * @returns {SVGElement}
 */
export function svg(tag, props, ...children) {
  const node = /** @type {SVGElement} */ (document.createElementNS('http://www.w3.org/2000/svg', tag));
  fill(node, props, children);
  return node;
}

/**
 * @param {string | null | undefined} iso
 * @returns {string}
 */
export function formatTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** @param {string | null | undefined} iso */
export const timeEl = (iso) => (iso ? h('time', { datetime: iso }, formatTime(iso)) : '—');

/**
 * A value for display: empty values say so, other values are shown as text or JSON.
 * @param {unknown} value
 * @returns {string}
 */
export function formatValue(value) {
  if (value === null || value === undefined || value === '') return '(empty)';
  if (Array.isArray(value) && value.length === 0) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * @param {number | null} amount
 * @param {string | null} currency
 */
export function formatAmount(amount, currency) {
  if (amount === null) return '—';
  try {
    return currency
      ? amount.toLocaleString(undefined, { style: 'currency', currency })
      : amount.toLocaleString();
  } catch {
    return `${amount.toLocaleString()} ${currency ?? ''}`.trim();
  }
}

/**
 * @param {string} kind
 * @param {string} text
 */
export const badge = (kind, text) => h('span', { class: `badge badge-${kind}` }, text);

/**
 * Replaces a container's children, then puts focus back on the control that had it (by data-focus-key).
 * @param {Element} container
 * @param {Node[]} nodes
 */
export function replaceKeepingFocus(container, nodes) {
  const focusKey = document.activeElement?.getAttribute('data-focus-key');
  container.replaceChildren(...nodes);
  if (!focusKey) return;
  for (const candidate of container.querySelectorAll('[data-focus-key]')) {
    if (candidate.getAttribute('data-focus-key') === focusKey && candidate instanceof HTMLElement)
      candidate.focus();
  }
}

/** The JSON last rendered per section: a section is rebuilt only when its data changed (keeps focus calm). */
const shown = new Map();

/**
 * True when `data` differs from what the section shows now (and remembers it).
 * @param {string} section
 * @param {unknown} data
 */
export function changed(section, data) {
  const json = JSON.stringify(data);
  if (shown.get(section) === json) return false;
  shown.set(section, json);
  return true;
}

export function forgetShown() {
  shown.clear();
}

/** @param {string} text */
export function notify(text) {
  const notice = byId('notice');
  notice.textContent = text;
  notice.hidden = false;
}

/** @param {string} text */
export function showProblem(text) {
  const problem = byId('problem');
  if (problem.textContent !== text) problem.textContent = text;
  problem.hidden = false;
}

export function clearProblem() {
  byId('problem').hidden = true;
}

/** The dashboard's names for sync states and audit directions. */
export const STATE_LABELS = /** @type {const} */ ({
  synced: 'synced',
  pending: 'pending',
  error: 'error',
  conflict: 'conflict',
  paused: 'paused',
  deadLettered: 'dead-lettered',
});

/** @param {keyof typeof STATE_LABELS} state */
export const stateBadge = (state) => badge(state, STATE_LABELS[state] ?? state);

export const DIRECTIONS = /** @type {Record<string, string>} */ ({
  toSalesforce: 'to Salesforce',
  toPartnerCenter: 'to Partner Center',
  both: 'both ways',
  none: 'nothing written',
});
