import type { Result } from '../../shared/result.ts';
import { fail, ok } from '../../shared/result.ts';
import { countryCodes } from './countryCodes.ts';

/** Fold case, accents, punctuation and spacing so "Côte d'Ivoire", "COTE D IVOIRE" and "cote-d’ivoire" compare equal. */
const fold = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

const byCode = new Map(countryCodes.map((entry) => [entry.code, entry]));
const byName = new Map<string, string>();
for (const entry of countryCodes) {
  for (const name of [entry.name, ...(entry.aliases ?? [])]) byName.set(fold(name), entry.code);
}

/**
 * Normalise a country to its ISO-3166 alpha-2 code. Accepts a code in any case ("us") or an English name or
 * common alias ("United States", "USA", "UK", "Deutschland"). Unknown values fail, naming the value.
 */
export function toCountryCode(value: string): Result<string> {
  const trimmed = value.trim();
  const upper = trimmed.toUpperCase();
  if (byCode.has(upper)) return ok(upper);
  const code = byName.get(fold(trimmed));
  if (code !== undefined) return ok(code);
  return fail({
    code: 'unknown_country',
    message: `"${value}" is not a country we recognise; use a 2-letter ISO-3166 code such as US, GB or DE`,
  });
}

/** The English name of an ISO-3166 alpha-2 code, or null when the code is not assigned. */
export const countryName = (code: string): string | null => byCode.get(code.toUpperCase())?.name ?? null;

/** True when `code` is an assigned ISO-3166 alpha-2 code (upper case). */
export const isCountryCode = (code: string): boolean => byCode.has(code);
