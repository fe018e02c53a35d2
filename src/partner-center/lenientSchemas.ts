/**
 * Building blocks for wire schemas that accept what Partner Center really sends: explicit nulls,
 * missing fields, numbers as strings, one object where the docs promise an array, HTML-encoded
 * text and 7-digit fractional timestamps. Each yields a normalised value or null, never an error.
 */
import { z } from 'zod';
import { decodeHtmlEntities } from './decodeHtmlEntities.ts';

/** Any string (numbers and booleans are stringified); anything else, or blank, becomes null. */
export const lenientString = z
  .unknown()
  .optional()
  .transform((value): string | null => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return null;
  });

/** A string with HTML entities decoded (names, titles, addresses). */
export const lenientText = lenientString.transform((value) =>
  value === null ? null : decodeHtmlEntities(value),
);

/** A number given as a number or a numeric string (`"10000"`, `" 1,500.50 "`); anything else is null. */
export const lenientNumber = z
  .unknown()
  .optional()
  .transform((value): number | null => {
    if (typeof value === 'number') return Number.isFinite(value) ? value : null;
    if (typeof value !== 'string') return null;
    const trimmed = value.trim().replace(/,/g, '');
    if (trimmed === '') return null;
    const parsed = Number(trimmed);
    return Number.isFinite(parsed) ? parsed : null;
  });

export const lenientBoolean = z
  .unknown()
  .optional()
  .transform((value): boolean | null => {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'True') return true;
    if (value === 'false' || value === 'False') return false;
    return null;
  });

/**
 * An instant normalised to ISO-8601 UTC with millisecond precision. Accepts 7 fractional digits,
 * offsets and a missing zone (read as UTC, which is what Partner Center means). Unparseable → null.
 */
export const lenientTimestamp = lenientString.transform((value): string | null => {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  const withZone =
    /(?:Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) || !trimmed.includes('T') ? trimmed : `${trimmed}Z`;
  const parsedMs = Date.parse(withZone);
  return Number.isNaN(parsedMs) ? null : new Date(parsedMs).toISOString();
});

/** An array that tolerates null (→ []) and a single object (→ [object]); unparseable items are dropped. */
export function lenientArray<T extends z.ZodType>(item: T) {
  return z
    .unknown()
    .optional()
    .transform((value): z.output<T>[] => {
      const items = Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
      const parsed: z.output<T>[] = [];
      for (const candidate of items) {
        const result = item.safeParse(candidate);
        if (result.success) parsed.push(result.data);
      }
      return parsed;
    });
}

/** An object whose missing or null value is read as `{}`, so nested defaults still apply. The schema must be lenient throughout. */
export function lenientObject<T extends z.ZodType>(schema: T) {
  return z
    .unknown()
    .optional()
    .transform(
      (value): z.output<T> =>
        schema.parse(value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {}),
    );
}
