import { describe, expect, it } from 'vitest';
import { countryCodes } from './countryCodes.ts';
import { countryName, isCountryCode, toCountryCode } from './toCountryCode.ts';

describe('toCountryCode', () => {
  it.each([
    ['US', 'US'],
    ['us', 'US'],
    ['USA', 'US'],
    ['United States of America', 'US'],
    ['UK', 'GB'],
    ['United Kingdom', 'GB'],
    ['Great Britain', 'GB'],
    ['Deutschland', 'DE'],
    ["cote d'ivoire", 'CI'],
    ['Côte d’Ivoire', 'CI'],
    ['Bosnia & Herzegovina', 'BA'],
    ['Bosnia and Herzegovina', 'BA'],
    ['Turkey', 'TR'],
    ['Korea, Republic of', 'KR'],
    [' new zealand ', 'NZ'],
  ])('%s → %s', (input, code) => {
    expect(toCountryCode(input)).toEqual({ ok: true, value: code });
  });

  it('fails with the value named and a fix', () => {
    const result = toCountryCode('Atlantis');
    expect(result).toMatchObject({ ok: false, error: { code: 'unknown_country' } });
    if (!result.ok) expect(result.error.message).toContain('"Atlantis"');
  });

  it('does not accept reserved or withdrawn codes', () => {
    expect(toCountryCode('EU').ok).toBe(false);
    expect(toCountryCode('XK').ok).toBe(false);
    expect(isCountryCode('AN')).toBe(false);
  });

  it('holds all 249 assigned codes, unique, with unique names', () => {
    const codes = countryCodes.map((entry) => entry.code);
    expect(new Set(codes).size).toBe(249);
    expect(codes.every((code) => /^[A-Z]{2}$/.test(code))).toBe(true);
    expect(new Set(countryCodes.map((entry) => entry.name.toLowerCase())).size).toBe(249);
    for (const entry of countryCodes)
      expect(toCountryCode(entry.name)).toEqual({ ok: true, value: entry.code });
    expect(countryName('gb')).toBe('United Kingdom');
  });
});
