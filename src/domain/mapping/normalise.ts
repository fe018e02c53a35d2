/** Small value normalisers shared by the converters: wire values in, canonical deal values out. */

/** Trimmed non-empty string, else null (numbers are stringified). */
export function textOrNull(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** A finite number from a number or a numeric string (Partner Center sometimes sends `"10000"`), else null. */
export function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value.trim());
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/** `YYYY-MM-DD` from a date or an ISO date-time (the calendar date as written, no time-zone shift), else null. */
export function dateOnly(value: unknown): string | null {
  const text = textOrNull(value);
  const match = text === null ? null : /^(\d{4}-\d{2}-\d{2})(?:$|T)/.exec(text);
  return match?.[1] ?? null;
}

/** Upper-case 3-letter currency code, else null. */
export function currencyOrNull(value: unknown): string | null {
  const text = textOrNull(value)?.toUpperCase() ?? null;
  return text !== null && /^[A-Z]{3}$/.test(text) ? text : null;
}

/** The value when it is one of `allowed` (case-insensitive match, canonical spelling returned), else null. */
export function enumOrNull<T extends string>(value: unknown, allowed: readonly T[]): T | null {
  const text = textOrNull(value)?.toLowerCase();
  return allowed.find((candidate) => candidate.toLowerCase() === text) ?? null;
}

/** True only for boolean true or the strings "true"/"yes". */
export const isTrue = (value: unknown): boolean =>
  value === true || (typeof value === 'string' && ['true', 'yes'].includes(value.trim().toLowerCase()));

/** Keep the first item per key, drop items without a key, and sort by key (canonical order for keyed sets). */
export function uniqueByKey<T>(items: readonly T[], keyOf: (item: T) => string | null): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    if (key !== null && !byKey.has(key)) byKey.set(key, item);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, item]) => item);
}

/** The calendar date `days` after a `YYYY-MM-DD` date (proleptic Gregorian, no time zones). */
export function addDays(date: string, days: number): string {
  const [year = 0, month = 1, day = 1] = date.split('-').map(Number);
  // Days since 1970-01-01 of the civil date, shifted, then back to a civil date (H. Hinnant's algorithms).
  const serial = Date.UTC(year, month - 1, day) / 86_400_000 + days + 719_468;
  const era = Math.floor(serial / 146_097);
  const dayOfEra = serial - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const outDay = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const outMonth = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const outYear = yearOfEra + era * 400 + (outMonth <= 2 ? 1 : 0);
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return `${pad(outYear, 4)}-${pad(outMonth, 2)}-${pad(outDay, 2)}`;
}
