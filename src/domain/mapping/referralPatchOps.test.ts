import { describe, expect, it } from 'vitest';
import { sampleDeal } from '../../../test/support/sampleDeal.ts';
import type { FieldChange } from '../coSellDeal.ts';
import { defaultMapping } from './defaultMapping.ts';
import { referralPatchOps } from './referralPatchOps.ts';

describe('referralPatchOps', () => {
  const change = <C extends FieldChange>(value: C) => value;

  it('replaces changed detail fields at their referral paths', () => {
    const deal = sampleDeal({ dealValue: 300000, closingDate: '2027-01-31', notes: 'new' });
    const result = referralPatchOps(
      [
        change({ field: 'dealValue', before: 250000, after: 300000 }),
        change({ field: 'closingDate', before: '2026-12-31', after: '2027-01-31' }),
        change({ field: 'notes', before: null, after: 'new' }),
      ],
      deal,
      defaultMapping,
    );
    expect(result).toEqual({
      ok: true,
      value: [
        { op: 'replace', path: '/details/dealValue', value: 300000 },
        { op: 'replace', path: '/details/closingDateTime', value: '2027-01-31T00:00:00Z' },
        { op: 'add', path: '/details/notes', value: 'new' },
      ],
    });
  });

  it('writes the Services co-sell fields at the top level and the marketplace intent as an attribute', () => {
    const deal = sampleDeal({
      partnerRole: 'Advisory',
      solutionArea: 'Security',
      customerMarketplaceIntent: 'Yes',
    });
    const result = referralPatchOps(
      [
        change({ field: 'partnerRole', before: null, after: 'Advisory' }),
        change({ field: 'solutionArea', before: 'CloudAndAIPlatforms', after: 'Security' }),
        change({ field: 'customerMarketplaceIntent', before: null, after: 'Yes' }),
      ],
      deal,
      defaultMapping,
    );
    expect(result).toEqual({
      ok: true,
      value: [
        { op: 'add', path: '/partnerRole', value: 'Advisory' },
        { op: 'replace', path: '/solutionArea', value: 'Security' },
        {
          op: 'add',
          path: '/details/requirements/additionalRequirements/attributes',
          value: [{ id: 'Yes', type: 'CustomerMarketplaceIntent' }],
        },
      ],
    });
  });

  it('never un-shares a referral Microsoft sellers can see: the change is refused before any call', () => {
    const unticked = sampleDeal({ assistanceRequestCode: null, shareWithMicrosoftSellers: false });
    const result = referralPatchOps(
      [change({ field: 'shareWithMicrosoftSellers', before: true, after: false })],
      unticked,
      defaultMapping,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'visibility_irreversible' } });
    const noHelp = referralPatchOps(
      [change({ field: 'assistanceRequestCode', before: 'ProofOfConceptOrDemo', after: null })],
      sampleDeal({ assistanceRequestCode: null, shareWithMicrosoftSellers: false, type: 'Independent' }),
      defaultMapping,
    );
    expect(noHelp).toMatchObject({ ok: false, error: { code: 'visibility_irreversible' } });
  });

  it('sends status, substatus and status reason together', () => {
    const deal = sampleDeal({ status: 'Closed', substatus: 'Lost', statusReason: 'Budget cut' });
    const result = referralPatchOps(
      [
        change({ field: 'status', before: 'Active', after: 'Closed' }),
        change({ field: 'substatus', before: 'Accepted', after: 'Lost' }),
      ],
      deal,
      defaultMapping,
    );
    expect(result).toEqual({
      ok: true,
      value: [
        { op: 'replace', path: '/status', value: 'Closed' },
        { op: 'replace', path: '/substatus', value: 'Lost' },
        { op: 'replace', path: '/statusReason', value: 'Budget cut' },
      ],
    });
  });

  it('refuses a move the status table forbids before any call', () => {
    const deal = sampleDeal({ status: 'New', substatus: 'Pending' });
    const result = referralPatchOps(
      [
        change({ field: 'status', before: 'Active', after: 'New' }),
        change({ field: 'substatus', before: 'Accepted', after: 'Pending' }),
      ],
      deal,
      defaultMapping,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_transition' } });
  });

  it('refuses any change to a closed referral', () => {
    const deal = sampleDeal({ status: 'Closed', substatus: 'Won', dealValue: 1 });
    const result = referralPatchOps(
      [change({ field: 'dealValue', before: 250000, after: 1 })],
      deal,
      defaultMapping,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'closed_referral' } });
  });

  it('turns a private deal into co-sell when help is requested: code, consent and type', () => {
    const deal = sampleDeal({ type: 'Independent', shareWithMicrosoftSellers: false });
    const result = referralPatchOps(
      [change({ field: 'assistanceRequestCode', before: null, after: 'CustomerTechnicalArchitecture' })],
      deal,
      defaultMapping,
    );
    expect(result).toEqual({
      ok: true,
      value: [
        {
          op: 'replace',
          path: '/inviteContext/assistanceRequestCode',
          value: 'CustomerTechnicalArchitecture',
        },
        { op: 'replace', path: '/consent/consentToShareReferralWithMicrosoftSellers', value: true },
        { op: 'replace', path: '/type', value: 'Shared' },
      ],
    });
  });

  it('replaces whole child collections and sets the CRM id', () => {
    const deal = sampleDeal();
    const result = referralPatchOps(
      [
        change({ field: 'solutions', before: [], after: deal.solutions }),
        change({ field: 'externalReferenceId', before: null, after: deal.externalReferenceId }),
      ],
      deal,
      defaultMapping,
    );
    expect(result).toEqual({
      ok: true,
      value: [
        {
          op: 'replace',
          path: '/details/requirements/solutions',
          value: [{ type: 'Name', id: 'SOL-34104-EBB', name: 'Contoso Migrate', publisherName: 'Fabrikam' }],
        },
        { op: 'add', path: '/externalReferenceId', value: deal.externalReferenceId },
      ],
    });
  });
});
