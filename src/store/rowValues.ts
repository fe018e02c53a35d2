/** Conversions between row values as drivers return them and the Store's row types. */
import type { SqlValue } from './sqlExecutor.ts';

/** An ISO-8601 UTC instant with milliseconds, so instants compare correctly as text. */
export function toInstant(value: string | Date): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new TypeError(`Not a valid instant: ${JSON.stringify(value)}. Pass an ISO-8601 date-time.`);
  }
  return date.toISOString();
}

/** Text as toInstant writes it (SQLite hands it back as stored). */
const STORED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Reads an instant column: SQLite gives text, Postgres timestamptz gives a Date. */
export function readInstant(value: unknown): string {
  if (typeof value === 'string' && STORED_INSTANT.test(value)) return value;
  if (value instanceof Date || typeof value === 'string') return toInstant(value);
  throw new TypeError(`Expected an instant column, got ${typeof value}`);
}

export function readInstantOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : readInstant(value);
}

/** Serialises a JSON column; null and undefined become SQL NULL. */
export function writeJson(value: unknown): SqlValue {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** Reads a JSON column (both drivers hand JSON over as text; see postgresDriver types). */
export function readJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** Ids are integers in the database and strings in row types (Postgres bigint already arrives as a string). */
export function readId(value: unknown): string {
  return String(value);
}

export function readIdOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function readText(value: unknown): string {
  return String(value);
}

export function readTextOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/**
 * Parses a store-assigned id given back by a caller. Returns null when it cannot be one of ours
 * (such an id matches no row).
 */
export function parseId(id: string): number | null {
  return /^[1-9][0-9]{0,15}$/.test(id) ? Number(id) : null;
}
