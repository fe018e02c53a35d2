import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleDeal } from '../../test/support/sampleDeal.ts';
import { defaultMapping } from './mapping/defaultMapping.ts';
import { mergeWithDefaults } from './mapping/mergeWithDefaults.ts';
import { defaultTaxonomy } from './referralTaxonomy.ts';
import { validateDeal } from './validateDeal.ts';

const mappingWith = (coSell: { servicesPartner?: boolean; requireMarketplaceIntent?: boolean }) => {
  const parsed = mergeWithDefaults({ coSell });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
};
const services = mappingWith({ servicesPartner: true });
const codes = (result: ReturnType<typeof validateDeal>) =>
  result.ok ? [] : result.error.map((problem) => problem.code).sort();

describe('Services co-sell fields', () => {
  it('are required on a Services partner co-sell request, each naming the allowed values', () => {
    const result = validateDeal(sampleDeal(), { mapping: services });
    expect(codes(result)).toEqual(['partnerRole_missing', 'solutionArea_missing', 'solutionPlay_missing']);
    if (result.ok) return;
    const byCode = Object.fromEntries(result.error.map((problem) => [problem.code, problem]));
    expect(byCode['partnerRole_missing']).toMatchObject({ path: 'partnerRole' });
    expect(byCode['partnerRole_missing']?.message).toContain('Partner Role');
    expect(byCode['partnerRole_missing']?.message).toContain('Managed services');
    expect(byCode['solutionArea_missing']?.message).toContain('AI Business Solutions');
  });

  it('pass with values from the taxonomy, and a play that belongs to the area', () => {
    const deal = sampleDeal({
      partnerRole: 'Implementation',
      solutionArea: 'Security',
      solutionPlay: 'DataSecurity',
    });
    expect(validateDeal(deal, { mapping: services }).ok).toBe(true);
  });

  it('are not required without help requested or for an ISV partner, but are still checked when given', () => {
    expect(validateDeal(sampleDeal({ assistanceRequestCode: null }), { mapping: services }).ok).toBe(true);
    expect(validateDeal(sampleDeal(), { mapping: defaultMapping }).ok).toBe(true);
    const wrong = sampleDeal({ solutionArea: 'Modern Work' });
    const result = validateDeal(wrong);
    expect(codes(result)).toEqual(['solutionArea_invalid']);
    if (!result.ok)
      expect(result.error[0]?.message).toContain('"Modern Work" is not a solution area in the FY26');
  });

  it('refuse a play from another area and list the plays of the chosen area', () => {
    const deal = sampleDeal({
      partnerRole: 'Advisory',
      solutionArea: 'Security',
      solutionPlay: 'UnifyYourDataPlatform',
    });
    const result = validateDeal(deal, { mapping: services });
    expect(codes(result)).toEqual(['solutionPlay_invalid']);
    if (!result.ok) {
      expect(result.error[0]?.message).toContain('of Security');
      expect(result.error[0]?.message).toContain('Data security');
      expect(result.error[0]?.message).not.toContain('Unify your data platform');
    }
  });

  it('property: every play of every area of the shipped taxonomy is accepted, by value or label', () => {
    const pairs = defaultTaxonomy.solutionAreas.flatMap((area) =>
      area.solutionPlays.flatMap((play) => [
        [area.value, play.value],
        [area.label, play.label],
      ]),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...pairs),
        fc.constantFrom(...defaultTaxonomy.partnerRoles),
        ([area, play], role) => {
          const deal = sampleDeal({ partnerRole: role.value, solutionArea: area!, solutionPlay: play! });
          expect(validateDeal(deal, { mapping: services }).ok).toBe(true);
        },
      ),
    );
  });

  it('follow a taxonomy given in the mapping file instead of the shipped one', () => {
    const parsed = mergeWithDefaults({
      coSell: { servicesPartner: true },
      taxonomy: {
        version: 'FY27',
        partnerRoles: [{ value: 'Builder', label: 'Builder' }],
        solutionAreas: [
          { value: 'Frontier', label: 'Frontier', solutionPlays: [{ value: 'Agents', label: 'Agents' }] },
        ],
        customerMarketplaceIntents: defaultTaxonomy.customerMarketplaceIntents,
      },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
    const fy27 = sampleDeal({ partnerRole: 'Builder', solutionArea: 'Frontier', solutionPlay: 'Agents' });
    expect(validateDeal(fy27, { mapping: parsed.value }).ok).toBe(true);
    const fy26 = sampleDeal({
      partnerRole: 'Advisory',
      solutionArea: 'Security',
      solutionPlay: 'DataSecurity',
    });
    expect(codes(validateDeal(fy26, { mapping: parsed.value }))).toEqual([
      'partnerRole_invalid',
      'solutionArea_invalid',
      'solutionPlay_invalid',
    ]);
  });
});

describe('customer marketplace purchase intent', () => {
  it('is required for co-sell when the mapping says so, and must be one of the taxonomy values', () => {
    const strict = mappingWith({ requireMarketplaceIntent: true });
    const missing = validateDeal(sampleDeal(), { mapping: strict });
    expect(codes(missing)).toEqual(['customerMarketplaceIntent_missing']);
    if (!missing.ok) expect(missing.error[0]?.message).toContain('Have not decided');
    expect(
      validateDeal(sampleDeal({ customerMarketplaceIntent: 'HaveNotDecided' }), { mapping: strict }).ok,
    ).toBe(true);
    expect(codes(validateDeal(sampleDeal({ customerMarketplaceIntent: 'Maybe' })))).toEqual([
      'customerMarketplaceIntent_invalid',
    ]);
    expect(validateDeal(sampleDeal({ assistanceRequestCode: null }), { mapping: strict }).ok).toBe(true);
  });
});
