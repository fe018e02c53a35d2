/** Renders a field value on one terminal line: `∅` for no value, JSON for objects. */
export function formatFieldValue(value: unknown): string {
  if (value === null || value === undefined) return '∅';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
