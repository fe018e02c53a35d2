/** SOQL date literals (TODAY, LAST_N_DAYS:n, THIS_MONTH, …) as UTC time ranges [startMs, endMs). */
const DAY_MS = 86_400_000;

export interface TimeRange {
  startMs: number;
  endMs: number;
}

function startOfDay(at: Date): number {
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
}

function monthRange(year: number, month: number, months: number): TimeRange {
  return { startMs: Date.UTC(year, month, 1), endMs: Date.UTC(year, month + months, 1) };
}

/** The range a literal covers at `now`; null when the literal is not supported. */
export function dateLiteralRange(literal: string, now: Date): TimeRange | null {
  const [name = '', rawN] = literal.toUpperCase().split(':');
  const n = rawN === undefined ? 0 : Number.parseInt(rawN, 10);
  const today = startOfDay(now);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const weekStart = today - now.getUTCDay() * DAY_MS;
  const quarterMonth = month - (month % 3);
  switch (name) {
    case 'TODAY':
      return { startMs: today, endMs: today + DAY_MS };
    case 'YESTERDAY':
      return { startMs: today - DAY_MS, endMs: today };
    case 'TOMORROW':
      return { startMs: today + DAY_MS, endMs: today + 2 * DAY_MS };
    case 'THIS_WEEK':
      return { startMs: weekStart, endMs: weekStart + 7 * DAY_MS };
    case 'LAST_WEEK':
      return { startMs: weekStart - 7 * DAY_MS, endMs: weekStart };
    case 'NEXT_WEEK':
      return { startMs: weekStart + 7 * DAY_MS, endMs: weekStart + 14 * DAY_MS };
    case 'THIS_MONTH':
      return monthRange(year, month, 1);
    case 'LAST_MONTH':
      return monthRange(year, month - 1, 1);
    case 'NEXT_MONTH':
      return monthRange(year, month + 1, 1);
    case 'THIS_QUARTER':
      return monthRange(year, quarterMonth, 3);
    case 'THIS_YEAR':
      return monthRange(year, 0, 12);
    case 'LAST_YEAR':
      return monthRange(year - 1, 0, 12);
    case 'NEXT_YEAR':
      return monthRange(year + 1, 0, 12);
    case 'LAST_90_DAYS':
      return { startMs: today - 90 * DAY_MS, endMs: today + DAY_MS };
    case 'NEXT_90_DAYS':
      return { startMs: today + DAY_MS, endMs: today + 91 * DAY_MS };
    case 'LAST_N_DAYS':
      return { startMs: today - n * DAY_MS, endMs: today + DAY_MS };
    case 'NEXT_N_DAYS':
      return { startMs: today + DAY_MS, endMs: today + (n + 1) * DAY_MS };
    case 'N_DAYS_AGO':
      return { startMs: today - n * DAY_MS, endMs: today - (n - 1) * DAY_MS };
    case 'LAST_N_MONTHS':
      return { startMs: Date.UTC(year, month - n, 1), endMs: Date.UTC(year, month, 1) };
    case 'NEXT_N_MONTHS':
      return monthRange(year, month + 1, n);
    default:
      return null;
  }
}
