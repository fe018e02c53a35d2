import { describe, expect, it } from 'vitest';
import { sampleDeal } from '../../test/support/sampleDeal.ts';
import { validateDeal } from './validateDeal.ts';

describe('validateDeal', () => {
  it('accepts a complete co-sell deal', () => {
    expect(validateDeal(sampleDeal())).toEqual({ ok: true, value: sampleDeal() });
  });

  it('reports every missing piece of a co-sell request at once, each with a fix', () => {
    const result = validateDeal(
      sampleDeal({
        name: ' ',
        closingDate: null,
        dealValue: 0,
        solutions: [],
        customerContacts: [],
        customer: { ...sampleDeal().customer!, country: 'Atlantis' },
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.map((problem) => problem.code).sort()).toEqual([
      'close_date_missing',
      'contact_missing',
      'country_invalid',
      'deal_value_not_positive',
      'name_missing',
      'solution_missing',
    ]);
    const byCode = Object.fromEntries(result.error.map((problem) => [problem.code, problem]));
    expect(byCode['solution_missing']?.message).toBe(
      'Add at least one Microsoft solution to the opportunity before sharing it as co-sell',
    );
    expect(byCode['country_invalid']?.message).toContain('"Atlantis"');
    expect(byCode['country_invalid']?.path).toBe('customer.country');
  });

  it('does not require solutions or contacts for a private deal', () => {
    const result = validateDeal(
      sampleDeal({
        assistanceRequestCode: null,
        shareWithMicrosoftSellers: false,
        solutions: [],
        customerContacts: [],
      }),
    );
    expect(result.ok).toBe(true);
  });

  it('requires a co-sell-ready solution before a partner-led share, but no customer contact', () => {
    const partnerLed = sampleDeal({ assistanceRequestCode: null, shareWithMicrosoftSellers: true });
    expect(validateDeal({ ...partnerLed, customerContacts: [] }).ok).toBe(true);
    const result = validateDeal({ ...partnerLed, solutions: [] });
    expect(result).toMatchObject({ ok: false, error: [{ code: 'solution_missing', path: 'solutions' }] });
    if (!result.ok) expect(result.error[0]?.message).toContain('partner-led deals need one too');
  });

  it('checks the solution rule on an update that starts sharing, not on unrelated changes', () => {
    const deal = sampleDeal({ assistanceRequestCode: null, shareWithMicrosoftSellers: true, solutions: [] });
    expect(validateDeal(deal, { changedFields: ['shareWithMicrosoftSellers'] }).ok).toBe(false);
    expect(validateDeal(deal, { changedFields: ['notes'] }).ok).toBe(true);
  });

  it('refuses to un-share a referral already shared with Microsoft sellers, naming the way out', () => {
    const shared = sampleDeal({ assistanceRequestCode: null, shareWithMicrosoftSellers: true });
    const unticked = { ...shared, shareWithMicrosoftSellers: false, type: 'Independent' as const };
    const result = validateDeal(unticked, {
      partnerCenter: shared,
      changedFields: ['shareWithMicrosoftSellers'],
    });
    expect(result).toMatchObject({
      ok: false,
      error: [{ code: 'visibility_irreversible', path: 'shareWithMicrosoftSellers' }],
    });
    if (!result.ok) expect(result.error[0]?.message).toContain('Tick Share with Microsoft Sellers again');
    // Sharing a private referral is fine, and so is dropping the help request while staying shared.
    const isPrivate = { ...unticked };
    expect(
      validateDeal(shared, { partnerCenter: isPrivate, changedFields: ['shareWithMicrosoftSellers'] }).ok,
    ).toBe(true);
    const coSell = sampleDeal();
    expect(
      validateDeal(
        { ...coSell, assistanceRequestCode: null },
        {
          partnerCenter: coSell,
          changedFields: ['assistanceRequestCode'],
        },
      ).ok,
    ).toBe(true);
  });

  it('requires a customer with a country even for private deals', () => {
    const result = validateDeal(sampleDeal({ assistanceRequestCode: null, customer: null }));
    expect(result).toMatchObject({
      ok: false,
      error: [{ code: 'customer_missing' }, { code: 'country_missing' }],
    });
  });

  it('refuses changes to a closed referral', () => {
    const result = validateDeal(sampleDeal({ status: 'Active', substatus: 'Accepted' }), {
      current: { status: 'Closed', substatus: 'Won' },
    });
    expect(result).toMatchObject({ ok: false, error: [{ code: 'closed_referral', path: 'status' }] });
  });
});

describe('validateDeal for an update', () => {
  const gaps = sampleDeal({ dealValue: null, closingDate: null, solutions: [], customer: null });

  it('checks only the rules about the fields being sent', () => {
    expect(
      validateDeal(gaps, { current: { status: 'Active', substatus: 'Accepted' }, changedFields: ['notes'] }),
    ).toEqual({
      ok: true,
      value: gaps,
    });
    expect(
      validateDeal(gaps, {
        current: { status: 'Active', substatus: 'Accepted' },
        changedFields: ['solutions'],
      }),
    ).toMatchObject({ ok: false, error: [{ code: 'solution_missing' }] });
  });

  it('requires a close date and a deal value to accept a referral', () => {
    const accepting = { ...gaps, status: 'Active' as const, substatus: 'Accepted' as const };
    const result = validateDeal(accepting, {
      current: { status: 'New', substatus: 'Pending' },
      changedFields: ['status', 'substatus'],
    });
    expect(result).toMatchObject({
      ok: false,
      error: [{ code: 'close_date_missing' }, { code: 'deal_value_not_positive' }],
    });
  });
});
