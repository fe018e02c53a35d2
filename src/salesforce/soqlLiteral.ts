/** SOQL literals. Values are always escaped here, never concatenated raw into a query. */

/** A quoted SOQL string literal with backslashes and quotes escaped. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** A SOQL datetime literal in UTC, rounded down to the whole second (SOQL has no milliseconds). */
export function soqlDateTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/** Parses a Salesforce datetime (`2026-01-01T10:00:05.000+0000`, or ISO-8601) into a Date. */
export function parseSalesforceDateTime(value: string): Date {
  const normalised = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const at = new Date(normalised);
  if (Number.isNaN(at.getTime())) throw new Error(`Not a Salesforce datetime: ${value}`);
  return at;
}
