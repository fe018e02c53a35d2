/** Salesforce wire formats for dates and datetimes. */
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** `YYYY-MM-DDTHH:mm:ss.000+0000`: UTC, whole seconds. */
export function formatDateTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}.000+0000`;
}

export function formatDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Truncates to whole seconds, as the platform stores datetimes. */
export function wholeSeconds(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 1000) * 1000);
}

/** Parses API input (`Z`, `+00:00` or `+0000` offsets); null when it is not a datetime. */
export function parseDateTime(text: string): Date | null {
  if (DATE_ONLY.test(text)) return new Date(`${text}T00:00:00.000Z`);
  if (!DATE_TIME.test(text)) return null;
  const normalized = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const at = new Date(normalized);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Parses a date (`YYYY-MM-DD`, or a datetime whose date part is used); null when invalid. */
export function parseDate(text: string): string | null {
  const candidate = text.slice(0, 10);
  if (!DATE_ONLY.test(candidate)) return null;
  const at = new Date(`${candidate}T00:00:00.000Z`);
  return Number.isNaN(at.getTime()) || formatDate(at) !== candidate ? null : candidate;
}
