import { describe, expect, it } from 'vitest';
import { opportunitySnapshotOf, sampleInboundReferral } from '../../test/support/sampleDeal.ts';
import type { CoSellDeal } from './coSellDeal.ts';
import { dealFromReferral } from './mapping/dealFromReferral.ts';
import { dealFromSalesforce } from './mapping/dealFromSalesforce.ts';
import { defaultMapping } from './mapping/defaultMapping.ts';
import { type JsonPatchOperation, referralPatchOps } from './mapping/referralPatchOps.ts';
import { salesforceOpportunityFields } from './mapping/salesforceOpportunityFields.ts';
import { mergeDeals } from './mergeDeals.ts';
import type { ReferralInput } from './referralInput.ts';
import type { SalesforceDealSnapshot } from './salesforceDealSnapshot.ts';
import { validateDeal } from './validateDeal.ts';

/** Apply replace/add operations to a plain JSON document (what Partner Center does with our PATCH). */
function applyPatch(document: ReferralInput, operations: readonly JsonPatchOperation[]): ReferralInput {
  const copy = structuredClone(document) as Record<string, unknown>;
  for (const operation of operations) {
    const segments = operation.path.split('/').slice(1);
    const last = segments.pop()!;
    let node = copy;
    for (const segment of segments) {
      node[segment] ??= {};
      node = node[segment] as Record<string, unknown>;
    }
    node[last] = structuredClone(operation.value);
  }
  return copy as ReferralInput;
}

/** An opportunity created by the sync from a deal, as Salesforce would hold it. */
const opportunityFrom = (deal: CoSellDeal) => opportunitySnapshotOf(deal, defaultMapping);

/** One sync round: merge, write both sides, return the new state. */
function syncRound(state: { referral: ReferralInput; snapshot: SalesforceDealSnapshot; base: CoSellDeal }) {
  const partnerCenter = dealFromReferral(state.referral, defaultMapping);
  const salesforce = dealFromSalesforce(state.snapshot, defaultMapping);
  const merge = mergeDeals({
    base: state.base,
    partnerCenter,
    salesforce,
    mapping: defaultMapping,
    partnerCenterChangedAt: '2026-11-25T10:00:00Z',
    salesforceChangedAt: '2026-11-25T11:00:00Z',
  });
  const valid = validateDeal(merge.merged, {
    current: { status: partnerCenter.status, substatus: partnerCenter.substatus },
    changedFields: merge.toPartnerCenter.map((change) => change.field),
  });
  const patch = referralPatchOps(merge.toPartnerCenter, merge.merged, defaultMapping);
  if (!patch.ok) return { ...state, merge, error: patch.error.code };
  if (!valid.ok) return { ...state, merge, error: valid.error.map((problem) => problem.code).join(',') };
  const opportunity = {
    ...state.snapshot.opportunity,
    ...salesforceOpportunityFields(
      merge.merged,
      defaultMapping,
      merge.toSalesforce.map((change) => change.field),
      { currentStage: String(state.snapshot.opportunity['StageName']) },
    ),
  };
  return {
    referral: applyPatch(state.referral, patch.value),
    snapshot: { ...state.snapshot, opportunity },
    base: merge.merged,
    merge,
    error: null,
  };
}

describe('a Microsoft referral through its life', () => {
  const inbound = sampleInboundReferral();
  const created = dealFromReferral(inbound, defaultMapping);
  const start = { referral: inbound, snapshot: opportunityFrom(created), base: created };

  it('lands on hold; the first round gives Partner Center the opportunity id, then nothing is written', () => {
    expect(start.snapshot.opportunity).toMatchObject({
      StageName: 'Prospecting',
      Partner_Center_Status__c: 'New/Pending',
      Sync_with_Partner_Center__c: true,
    });
    const first = syncRound(start);
    expect(first.merge.toPartnerCenter).toEqual([
      { field: 'externalReferenceId', before: null, after: '006NEW' },
    ]);
    const quiet = syncRound(first);
    expect(quiet.merge.toSalesforce).toEqual([]);
    expect(quiet.merge.toPartnerCenter).toEqual([]);
  });

  it('is accepted when the seller moves the stage on, then settles', () => {
    const moved = {
      ...start,
      snapshot: {
        ...start.snapshot,
        opportunity: { ...start.snapshot.opportunity, StageName: 'Needs Analysis' },
      },
    };
    const accepted = syncRound(moved);
    expect(accepted.error).toBeNull();
    expect(accepted.referral).toMatchObject({
      status: 'Active',
      substatus: 'Accepted',
      externalReferenceId: '006NEW',
    });
    expect(accepted.snapshot.opportunity).toMatchObject({
      StageName: 'Needs Analysis',
      Partner_Center_Status__c: 'Active/Accepted',
    });
    const settled = syncRound(accepted);
    expect(settled.merge.toPartnerCenter).toEqual([]);
    expect(settled.merge.toSalesforce).toEqual([]);
  });

  it('is declined with the reason when closed lost from on-hold', () => {
    const declined = syncRound({
      ...start,
      snapshot: {
        ...start.snapshot,
        opportunity: {
          ...start.snapshot.opportunity,
          StageName: 'Closed Lost',
          Partner_Center_Status_Reason__c: 'Not our segment',
        },
      },
    });
    expect(declined.referral).toMatchObject({
      status: 'Closed',
      substatus: 'Declined',
      statusReason: 'Not our segment',
    });
    const settled = syncRound(declined);
    expect(settled.merge.toPartnerCenter).toEqual([]);
    expect(settled.merge.toSalesforce).toEqual([]);
  });

  it('brings Microsoft-side edits in and refuses to reopen a won deal', () => {
    const won = syncRound({
      ...start,
      snapshot: {
        ...start.snapshot,
        opportunity: { ...start.snapshot.opportunity, StageName: 'Closed Won' },
      },
    });
    expect(won.referral).toMatchObject({ status: 'Closed', substatus: 'Won' });
    const reopened = syncRound({
      ...won,
      snapshot: { ...won.snapshot, opportunity: { ...won.snapshot.opportunity, StageName: 'Qualification' } },
    });
    expect(reopened.error).toBe('closed_referral');
    expect(reopened.referral).toBe(won.referral);
  });
});
