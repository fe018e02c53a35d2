import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHtmlEntities } from './decodeHtmlEntities.ts';
import { type PcReferral, parseReferral, toIfMatch } from './referralWire.ts';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
}

function parsed(payload: unknown): PcReferral {
  const result = parseReferral(payload);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('parseReferral', () => {
  it('normalises an inbound Microsoft co-sell referral with every real-world quirk', () => {
    const referral = parsed(fixture('inboundMicrosoftCoSell'));
    expect(referral.name).toBe('Fabrikam & Partners \u2013 Data platform modernisation');
    expect(referral.customerProfile.name).toBe('Fabrikam & Partners Ltd');
    expect(referral.customerProfile.size).toBeNull();
    expect(referral.customerProfile.address.country).toBe('IE');
    expect(referral.customerProfile.duns).toBe('219876543');
    // a single object where the docs promise an array
    expect(referral.customerProfile.team).toEqual([
      {
        firstName: 'Aoife',
        lastName: "O'Brien",
        email: 'aoife.obrien@fabrikam.example',
        phoneNumber: '+353 1 555 0142',
        title: 'Head of Data',
      },
    ]);
    expect(referral.team.map((member) => member.email)).toEqual(['priya.raman@microsoft.example']);
    expect(referral.details.dealValue).toBe(125000.5);
    expect(referral.details.currency).toBe('EUR');
    expect(referral.details.requirements.solutions[0]?.name).toBe('Northwind Lakehouse & Analytics');
    expect(referral.details.requirements.products).toEqual([]);
    expect(referral.details.requirements.industries).toEqual(['Financial Services']);
    expect(referral.createdDateTime).toBe('2026-03-02T09:15:41.123Z');
    expect(referral.updatedDateTime).toBe('2026-03-02T09:15:41.987Z');
    expect(referral.acceptedDateTime).toBeNull();
    expect(referral.eTag).toBe('"5c01aa3e-0000-0800-0000-65e2ef2d0000"');
    expect(referral.inviteContext.assistanceRequestCode).toBe('CustomerTechnicalArchitecture');
    expect(referral.inviteContext.invitedBy.organizationId).toBe('msft');
    expect(referral.trackingInfo.microsoftMsxId).toBe('7-3KQ9ZX21');
    expect(referral.links.self).toMatch(/\/referrals\/7d3c1a52-/);
    // unknown fields survive in raw
    expect(referral.raw['dealSensitivity']).toBe('None');
  });

  it('keeps arrays, numeric deal values and solution prices of an outgoing referral', () => {
    const referral = parsed(fixture('outgoingPartnerLed'));
    expect(referral.status).toBe('Active');
    expect(referral.substatus).toBe('Accepted');
    expect(referral.externalReferenceId).toBe('006Hs00001AbCdEIAV');
    expect(referral.details.dealValue).toBe(48000);
    expect(referral.details.requirements.solutions[0]).toMatchObject({
      id: 'sol-5012-northwind-voice',
      price: 12000,
      quantity: 4,
    });
    expect(referral.customerProfile.team).toHaveLength(2);
    expect(referral.customerProfile.duns).toBeNull();
    expect(referral.updatedDateTime).toBe('2026-02-04T08:47:59.000Z');
    expect(referral.tags).toEqual(['renewal', 'contact-centre']);
    expect(referral.salesStage).toBe('40');
  });

  it('reads a sparse closed referral whose nested objects are null', () => {
    const referral = parsed(fixture('closedLostSparse'));
    expect(referral.status).toBe('Closed');
    expect(referral.substatus).toBe('Lost');
    expect(referral.statusReason).toBe('Customer chose an in-house build');
    expect(referral.team).toEqual([]);
    expect(referral.customerProfile.team).toEqual([]);
    expect(referral.consent.consentToShareReferralWithMicrosoftSellers).toBeNull();
    expect(referral.inviteContext.invitedBy.organizationId).toBeNull();
    expect(referral.details.requirements.solutions).toEqual([]);
    expect(referral.details.dealValue).toBeNull();
    // a timestamp without a zone is read as UTC
    expect(referral.details.closingDateTime).toBe('2025-12-31T00:00:00.000Z');
    expect(referral.links).toEqual({ self: null, relatedReferrals: null });
    expect(referral.target).toEqual([]);
  });

  it('turns junk values into nulls instead of failing', () => {
    const referral = parsed({
      id: 'abc',
      name: 42,
      details: {
        dealValue: 'about ten grand',
        closingDateTime: 'soon',
        requirements: { solutions: ['not-an-object', { id: 'x' }] },
      },
      team: 'nobody',
      customerProfile: [],
    });
    expect(referral.name).toBe('42');
    expect(referral.details.dealValue).toBeNull();
    expect(referral.details.closingDateTime).toBeNull();
    expect(
      referral.details.requirements.solutions.map((solution: { id: string | null }) => solution.id),
    ).toEqual(['x']);
    expect(referral.team).toEqual([]);
    expect(referral.customerProfile.name).toBeNull();
  });

  it('refuses a payload without an id, saying so', () => {
    const result = parseReferral({ name: 'no id' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('no id');
    expect(parseReferral(null).ok).toBe(false);
    expect(parseReferral([{ id: 'a' }]).ok).toBe(false);
  });
});

describe('parseReferral on arbitrary payloads', () => {
  const anyValue = fc.oneof(
    fc.constant(null),
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.array(fc.anything(), { maxLength: 3 }),
    fc.object({ maxDepth: 2 }),
  );
  const fieldNames = [
    'name',
    'status',
    'substatus',
    'eTag',
    'createdDateTime',
    'updatedDateTime',
    'team',
    'customerProfile',
    'details',
    'consent',
    'inviteContext',
    'links',
    'target',
    'tags',
    'trackingInfo',
  ];

  it('never throws, and reads every payload that has an id', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.dictionary(fc.constantFrom(...fieldNames), anyValue),
        fc.object({ maxDepth: 1 }),
        (id, fields, extra) => {
          const result = parseReferral({ ...extra, ...fields, id });
          expect(result.ok).toBe(true);
          if (result.ok) {
            expect(result.value.id).toBe(id);
            expect(Array.isArray(result.value.team)).toBe(true);
            expect(Array.isArray(result.value.details.requirements.solutions)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on payloads of any shape', () => {
    fc.assert(
      fc.property(fc.anything(), (payload) => {
        const result = parseReferral(payload);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('decodeHtmlEntities', () => {
  it('decodes named and numeric entities exactly once', () => {
    expect(decodeHtmlEntities('A &amp; B &lt;x&gt; &quot;q&quot; &#39;s&#x27; &#233;')).toBe(
      `A & B <x> "q" 's' \u00e9`,
    );
    expect(decodeHtmlEntities('&amp;amp;')).toBe('&amp;');
    expect(decodeHtmlEntities('AT&T and &unknown;')).toBe('AT&T and &unknown;');
  });
});

describe('toIfMatch', () => {
  it('keeps a quoted eTag and quotes a bare one', () => {
    expect(toIfMatch('"abc"')).toBe('"abc"');
    expect(toIfMatch('abc')).toBe('"abc"');
    expect(toIfMatch('W/"abc"')).toBe('W/"abc"');
  });
});

describe('parseReferral under random and mutated payloads', () => {
  const fixtures = ['inboundMicrosoftCoSell', 'outgoingPartnerLed', 'closedLostSparse'].map(fixture);

  /** Paths to every value in a JSON document. */
  const pathsOf = (value: unknown, prefix: string[] = []): string[][] =>
    value !== null && typeof value === 'object'
      ? [prefix, ...Object.entries(value).flatMap(([key, child]) => pathsOf(child, [...prefix, key]))]
      : [prefix];

  const replaceAt = (document: unknown, path: string[], replacement: unknown): unknown => {
    if (path.length === 0) return replacement;
    const [head, ...rest] = path as [string, ...string[]];
    const copy = (Array.isArray(document) ? [...document] : { ...(document as object) }) as Record<
      string,
      unknown
    >;
    copy[head] = replaceAt(copy[head], rest, replacement);
    return copy;
  };

  const mutated = fc
    .tuple(
      fc.constantFrom(...fixtures),
      fc.array(fc.tuple(fc.nat(), fc.anything()), { minLength: 1, maxLength: 4 }),
    )
    .map(([base, edits]) =>
      edits.reduce((document, [index, replacement]) => {
        const paths = pathsOf(document);
        return replaceAt(document, paths[index % paths.length] ?? [], replacement);
      }, base),
    );

  it('property: never throws; answers a referral with an id, or an invalid_referral error that says what is wrong', () => {
    fc.assert(
      fc.property(fc.oneof(mutated, fc.anything(), fc.jsonValue()), (payload) => {
        const result = parseReferral(payload);
        if (result.ok) {
          expect(typeof result.value.id).toBe('string');
          expect(result.value.raw).toBe(payload);
        } else {
          expect(result.error.code).toBe('invalid_referral');
          expect(result.error.message).toMatch(/^Partner Center returned/);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('parseReferral with values Microsoft adds later', () => {
  it('keeps new statuses, Joint Planning substatuses, Services co-sell fields and the intent attribute as sent', () => {
    const referral = parsed({
      id: 'jp-1',
      status: 'Active',
      substatus: 'Qualify',
      partnerRole: 'Advisory',
      solutionArea: 'QuantumComputing',
      solutionPlay: 'Qubits',
      referralProgram: 'JointPlanning',
      details: {
        requirements: {
          additionalRequirements: { attributes: [{ id: 'Yes', type: 'CustomerMarketplaceIntent' }] },
        },
      },
    });
    expect(referral).toMatchObject({
      status: 'Active',
      substatus: 'Qualify',
      partnerRole: 'Advisory',
      solutionArea: 'QuantumComputing',
      solutionPlay: 'Qubits',
      referralProgram: 'JointPlanning',
    });
    expect(referral.details.requirements.additionalRequirements.attributes).toEqual([
      { id: 'Yes', type: 'CustomerMarketplaceIntent' },
    ]);
  });

  it('property: any status and substatus string survives parsing unchanged', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (status, substatus) => {
        const referral = parsed({ id: 'r-1', status, substatus });
        expect([referral.status, referral.substatus]).toEqual([status, substatus]);
      }),
    );
  });
});
