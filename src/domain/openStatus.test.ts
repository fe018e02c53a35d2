import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleDeal, sampleInboundReferral } from '../../test/support/sampleDeal.ts';
import { referralStatuses, referralSubstatuses } from './coSellDeal.ts';
import { dealFromReferral } from './mapping/dealFromReferral.ts';
import { dealFromSalesforce } from './mapping/dealFromSalesforce.ts';
import { defaultMapping } from './mapping/defaultMapping.ts';
import { mergeWithDefaults } from './mapping/mergeWithDefaults.ts';
import { salesforceOpportunityFields } from './mapping/salesforceOpportunityFields.ts';
import { mergeDeals } from './mergeDeals.ts';
import { checkTransition, parseStatusText, stageFromStatus, statusFromStage } from './referralStatus.ts';
import type { SalesforceDealSnapshot } from './salesforceDealSnapshot.ts';

const jointPlanning = (() => {
  const parsed = mergeWithDefaults({ stages: { statusStages: { 'Active/Qualify': 'Needs Analysis' } } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
})();

const snapshotWith = (opportunity: Record<string, unknown>): SalesforceDealSnapshot => ({
  opportunity: { Id: '006A', ...opportunity },
  account: null,
  contactRoles: [],
  solutions: [],
  teamMembers: [],
});

/** Names that are not a status or substatus of the table (any case). */
const unknownName = fc
  .stringMatching(/^[A-Za-z][A-Za-z ]{0,15}[A-Za-z]$/)
  .filter(
    (name) =>
      ![...referralStatuses, ...referralSubstatuses, 'None'].some(
        (known) => known.toLowerCase() === name.toLowerCase(),
      ),
  );

describe('status values Microsoft adds later', () => {
  it('are kept on the deal instead of falling back to a known pair', () => {
    const deal = dealFromReferral(
      { ...sampleInboundReferral(), status: 'Active', substatus: 'Evaluate' },
      defaultMapping,
    );
    expect([deal.status, deal.substatus]).toEqual(['Active', 'Evaluate']);
    const newStatus = dealFromReferral(
      { ...sampleInboundReferral(), status: 'OnHold', substatus: null },
      defaultMapping,
    );
    expect([newStatus.status, newStatus.substatus]).toEqual(['OnHold', 'None']);
  });

  it('map to a stage through stages.statusStages, and otherwise keep the stage the opportunity has', () => {
    expect(stageFromStatus('Active', 'Qualify', jointPlanning, 'Prospecting')).toBe('Needs Analysis');
    expect(stageFromStatus('Active', 'Evaluate', jointPlanning, 'Needs Analysis')).toBe('Needs Analysis');
    expect(stageFromStatus('Active', 'Evaluate', jointPlanning, null)).toBe('Prospecting');
    expect(stageFromStatus('Paused', 'Customer', defaultMapping, 'Id. Decision Makers')).toBe(
      'Id. Decision Makers',
    );
  });

  it('stay as they are while the seller works an open stage, and close the referral from a closed stage', () => {
    const current = { status: 'Active', substatus: 'Qualify' };
    const context = { current, declineReason: null };
    expect(statusFromStage('Needs Analysis', context, jointPlanning)).toEqual(current);
    expect(statusFromStage('Value Proposition', context, defaultMapping)).toEqual(current);
    expect(statusFromStage('Closed Won', context, defaultMapping)).toEqual({
      status: 'Closed',
      substatus: 'Won',
    });
    expect(checkTransition(current, { status: 'Closed', substatus: 'Won' }).ok).toBe(true);
    expect(checkTransition(current, current).ok).toBe(true);
    expect(checkTransition({ status: 'Closed', substatus: 'Won' }, current)).toMatchObject({
      ok: false,
      error: { code: 'invalid_status' },
    });
  });

  it('are shown in the status text field and read back from it', () => {
    const fields = salesforceOpportunityFields(
      sampleDeal({ status: 'Active', substatus: 'Qualify' }),
      jointPlanning,
      ['status'],
      { currentStage: 'Qualification' },
    );
    expect(fields).toEqual({ StageName: 'Needs Analysis', Partner_Center_Status__c: 'Active/Qualify' });
    expect(parseStatusText('active/qualify')).toEqual({ status: 'Active', substatus: 'qualify' });
    expect(parseStatusText('Active/Won')).toBeNull();
    expect(parseStatusText('Active/')).toBeNull();
  });

  it('property: an unknown substatus round-trips Partner Center → Salesforce → deal and settles the merge', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('New', 'Active'),
        unknownName,
        fc.boolean(),
        (status, substatus, mapped) => {
          const mapping = mapped
            ? (
                mergeWithDefaults({
                  stages: { statusStages: { [`${status}/${substatus}`]: 'Mapped Stage' } },
                }) as {
                  ok: true;
                  value: typeof defaultMapping;
                }
              ).value
            : defaultMapping;
          const pc = dealFromReferral({ ...sampleInboundReferral(), status, substatus }, mapping);
          expect([pc.status, pc.substatus]).toEqual([status, substatus]);
          const opportunity = salesforceOpportunityFields(pc, mapping, null, { currentStage: 'Prospecting' });
          expect(opportunity['Partner_Center_Status__c']).toBe(`${status}/${substatus}`);
          expect(opportunity['StageName']).toBe(mapped ? 'Mapped Stage' : 'Prospecting');
          const sf = dealFromSalesforce(snapshotWith(opportunity), mapping);
          expect([sf.status, sf.substatus]).toEqual([status, substatus]);
          const merge = mergeDeals({
            base: pc,
            partnerCenter: pc,
            salesforce: sf,
            mapping,
            partnerCenterChangedAt: null,
            salesforceChangedAt: null,
          });
          expect(merge.toPartnerCenter.filter((change) => change.field === 'status')).toEqual([]);
        },
      ),
    );
  });
});

describe('Joint Planning deadlines', () => {
  const lead = {
    ...sampleInboundReferral(),
    type: 'Independent',
    qualification: 'SalesQualified',
    inviteContext: { invitedBy: { organizationId: 'msft' } },
  };

  it('show the accept-by date while new and the act-by date once accepted', () => {
    const fresh = dealFromReferral({ ...lead, expirationDateTime: '2026-12-20T09:30:00Z' }, defaultMapping);
    expect([fresh.acceptByDate, fresh.actByDate]).toEqual(['2026-12-20', null]);
    const accepted = dealFromReferral(
      {
        ...lead,
        status: 'Active',
        substatus: 'Qualify',
        acceptedDateTime: '2026-12-30T10:00:00Z',
        expirationDateTime: null,
      },
      defaultMapping,
    );
    expect([accepted.acceptByDate, accepted.actByDate]).toEqual([null, '2027-02-28']);
    const withExpiry = dealFromReferral(
      { ...lead, status: 'Active', substatus: 'Accepted', expirationDateTime: '2027-03-01T00:00:00Z' },
      defaultMapping,
    );
    expect(withExpiry.actByDate).toBe('2027-03-01');
  });

  it('are cleared on the opportunity in the same sync that accepts or closes the referral', () => {
    const pc = sampleDeal({ status: 'New', substatus: 'Pending', acceptByDate: '2026-12-20' });
    const sf = { ...pc, status: 'Active', substatus: 'Accepted' };
    const merge = mergeDeals({
      base: pc,
      partnerCenter: pc,
      salesforce: sf,
      mapping: defaultMapping,
      partnerCenterChangedAt: null,
      salesforceChangedAt: null,
    });
    expect(merge.merged.acceptByDate).toBeNull();
    expect(merge.toSalesforce).toContainEqual({ field: 'acceptByDate', before: '2026-12-20', after: null });
    expect(merge.toPartnerCenter.map((change) => change.field)).not.toContain('acceptByDate');
  });
});
