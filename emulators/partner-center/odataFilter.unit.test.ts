import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileText } from '../../test/support/mutatedText.ts';
import { evaluateFilter, ODataFilterError, parseODataFilter } from './odataFilter.ts';

const samples = [
  "status eq 'New'",
  "(status eq 'New' and substatus eq 'Received') or customerProfile/address/country eq 'DE'",
  "not (status eq 'New')",
  'engagementId eq 0ee9d55d-1111-4222-8333-444444444444',
  "team/any(t: t/email eq 'kim@contoso.example')",
  "team/all(t: endswith(t/email, '@contoso.example'))",
  'createdDateTime gt 2026-02-24T21:04:06Z',
  "contains(tolower(name), 'it''s')",
];
const referral = {
  status: 'New',
  substatus: 'Pending',
  name: "It's a deal",
  createdDateTime: '2026-02-24T21:04:06.0372014Z',
  team: [{ email: 'sam@contoso.example' }],
  customerProfile: { address: { country: 'DE' } },
};

describe('the OData $filter parser under random and mutated input', () => {
  it('property: either parses (and evaluates to a boolean) or throws an ODataFilterError, never anything else', () => {
    fc.assert(
      fc.property(hostileText(samples), (filter) => {
        let node: ReturnType<typeof parseODataFilter>;
        try {
          node = parseODataFilter(filter);
        } catch (error) {
          expect(error).toBeInstanceOf(ODataFilterError);
          expect((error as Error).message.length).toBeGreaterThan(0);
          return;
        }
        try {
          expect(typeof evaluateFilter(node, referral)).toBe('boolean');
        } catch (error) {
          expect(error).toBeInstanceOf(ODataFilterError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses deeply nested input with an ODataFilterError instead of overflowing the stack', () => {
    const deep = `${'('.repeat(20_000)}status eq 'New'${')'.repeat(20_000)}`;
    expect(() => parseODataFilter(deep)).toThrow(ODataFilterError);
    expect(() => parseODataFilter(`${'not '.repeat(20_000)}status eq 'New'`)).toThrow(ODataFilterError);
    expect(() => parseODataFilter(Array(20_000).fill("status eq 'New'").join(' and '))).toThrow(/too long/);
    expect(parseODataFilter(`${'('.repeat(40)}status eq 'New'${')'.repeat(40)}`)).toBeTruthy();
  });
});
