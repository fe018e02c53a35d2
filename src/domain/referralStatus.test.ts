import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referralStatuses, referralSubstatuses } from './coSellDeal.ts';
import { defaultMapping } from './mapping/defaultMapping.ts';
import { mergeWithDefaults } from './mapping/mergeWithDefaults.ts';
import {
  allowedSubstatuses,
  checkTransition,
  isValidStatusPair,
  parseStatusText,
  type StatusPair,
  stageFromStatus,
  statusFromStage,
} from './referralStatus.ts';

const validPairs: StatusPair[] = referralStatuses.flatMap((status) =>
  allowedSubstatuses[status].map((substatus) => ({ status, substatus })),
);
const anyPair = fc.record({
  status: fc.constantFrom(...referralStatuses),
  substatus: fc.constantFrom(...referralSubstatuses),
});
const validPair = fc.constantFrom(...validPairs);

describe('checkTransition', () => {
  it('allows New to move to New, Active and Closed', () => {
    const from: StatusPair = { status: 'New', substatus: 'Pending' };
    expect(checkTransition(from, { status: 'New', substatus: 'Received' }).ok).toBe(true);
    expect(checkTransition(from, { status: 'Active', substatus: 'Accepted' }).ok).toBe(true);
    expect(checkTransition(from, { status: 'Closed', substatus: 'Declined' }).ok).toBe(true);
  });

  it('refuses Active back to New with a message naming the allowed moves', () => {
    const result = checkTransition(
      { status: 'Active', substatus: 'Accepted' },
      { status: 'New', substatus: 'Pending' },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_transition' } });
    if (!result.ok) expect(result.error.message).toContain('Active or Closed');
  });

  it('refuses a substatus that does not belong to the status', () => {
    const result = checkTransition(
      { status: 'New', substatus: 'Pending' },
      { status: 'Active', substatus: 'Won' },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_status', path: 'substatus' } });
  });

  it('property: a closed referral accepts only itself', () => {
    fc.assert(
      fc.property(validPair, validPair, (from, to) => {
        fc.pre(from.status === 'Closed');
        const result = checkTransition(from, to);
        const same = from.substatus === to.substatus && to.status === 'Closed';
        expect(result.ok).toBe(same);
        if (!result.ok) expect(result.error.code).toBe('closed_referral');
      }),
    );
  });

  it('property: allowed exactly when the pair is valid and the table permits the move', () => {
    const order = { New: 0, Active: 1, Closed: 2 } as const;
    fc.assert(
      fc.property(validPair, anyPair, (from, to) => {
        const expected =
          isValidStatusPair(to) &&
          (from.status === 'Closed'
            ? from.substatus === to.substatus && to.status === 'Closed'
            : order[to.status] >= order[from.status as keyof typeof order]);
        expect(checkTransition(from, to).ok).toBe(expected);
      }),
    );
  });
});

describe('parseStatusText', () => {
  it('reads the Salesforce status text and rejects invalid pairs', () => {
    expect(parseStatusText('Active/Accepted')).toEqual({ status: 'Active', substatus: 'Accepted' });
    expect(parseStatusText(' Closed / Won ')).toEqual({ status: 'Closed', substatus: 'Won' });
    expect(parseStatusText('Active/Won')).toBeNull();
    expect(parseStatusText('')).toBeNull();
    expect(parseStatusText(null)).toBeNull();
  });
});

describe('statusFromStage', () => {
  const m = defaultMapping;
  const newPending: StatusPair = { status: 'New', substatus: 'Pending' };
  const active: StatusPair = { status: 'Active', substatus: 'Accepted' };

  it('keeps a new referral pending while the opportunity is in the on-hold stage', () => {
    expect(statusFromStage('Prospecting', { current: newPending }, m)).toEqual(newPending);
    expect(statusFromStage('Prospecting', { current: null }, m)).toEqual(newPending);
  });

  it('accepts the referral when the stage leaves on-hold for an open stage', () => {
    expect(statusFromStage('Qualification', { current: newPending }, m)).toEqual(active);
    expect(statusFromStage('Needs Analysis', { current: newPending }, m)).toEqual(active);
  });

  it('does not move an accepted referral back to New when the stage returns to on-hold', () => {
    expect(statusFromStage('Prospecting', { current: active }, m)).toEqual(active);
  });

  it('wins on Closed Won', () => {
    expect(statusFromStage('Closed Won', { current: active }, m)).toEqual({
      status: 'Closed',
      substatus: 'Won',
    });
  });

  it('declines with the reason when closed lost from on-hold with a decline reason', () => {
    expect(statusFromStage('Closed Lost', { current: newPending, declineReason: ' No budget ' }, m)).toEqual({
      status: 'Closed',
      substatus: 'Declined',
      statusReason: 'No budget',
    });
  });

  it('loses when closed lost after acceptance or without a decline reason', () => {
    const lost = { status: 'Closed', substatus: 'Lost' };
    expect(statusFromStage('Closed Lost', { current: active, declineReason: 'No budget' }, m)).toEqual(lost);
    expect(statusFromStage('Closed Lost', { current: newPending, declineReason: '  ' }, m)).toEqual(lost);
  });

  it('keeps an expired or declined referral as it is while the stage stays closed lost', () => {
    const expired: StatusPair = { status: 'Closed', substatus: 'Expired' };
    expect(statusFromStage('Closed Lost', { current: expired }, m)).toEqual(expired);
  });

  it('uses a dedicated decline stage when the mapping has one', () => {
    const custom = mergeWithDefaults({
      stages: { lostStages: ['Closed Lost', 'Declined'], declined: 'Declined' },
    });
    if (!custom.ok) throw new Error(JSON.stringify(custom.error));
    expect(
      statusFromStage('Declined', { current: active, declineReason: 'Out of scope' }, custom.value),
    ).toMatchObject({
      substatus: 'Declined',
    });
  });
});

describe('stageFromStatus', () => {
  const m = defaultMapping;
  it('puts new referrals on hold and accepted ones in the accept stage', () => {
    expect(stageFromStatus('New', 'Pending', m, null)).toBe('Prospecting');
    expect(stageFromStatus('Active', 'Accepted', m, 'Prospecting')).toBe('Qualification');
  });

  it('keeps the current open stage when the referral is already active', () => {
    expect(stageFromStatus('Active', 'Accepted', m, 'Proposal/Price Quote')).toBe('Proposal/Price Quote');
  });

  it('maps closed substatuses to the closed stages', () => {
    expect(stageFromStatus('Closed', 'Won', m, 'Negotiation/Review')).toBe('Closed Won');
    expect(stageFromStatus('Closed', 'Lost', m, 'Negotiation/Review')).toBe('Closed Lost');
    expect(stageFromStatus('Closed', 'Declined', m, 'Prospecting')).toBe('Closed Lost');
    expect(stageFromStatus('Closed', 'Expired', m, 'Prospecting')).toBe('Closed Lost');
  });

  it('property: the stage written for a status reads back as that status', () => {
    const currentStage = fc.constantFrom(
      null,
      'Prospecting',
      'Qualification',
      'Needs Analysis',
      'Closed Won',
      'Closed Lost',
    );
    fc.assert(
      fc.property(
        validPair,
        currentStage,
        fc.constantFrom(null, 'Customer chose another vendor'),
        (pair, stage, reason) => {
          const written = stageFromStatus(pair.status, pair.substatus, m, stage);
          // The Salesforce status text field holds the pair after a write, and a decline keeps its reason.
          const readBack = statusFromStage(
            written,
            { current: pair, declineReason: pair.substatus === 'Declined' ? reason : null },
            m,
          );
          expect({ status: readBack.status, substatus: readBack.substatus }).toEqual(pair);
        },
      ),
    );
  });
});
