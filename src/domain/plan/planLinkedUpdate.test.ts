import { describe, expect, it } from 'vitest';
import { opportunitySnapshotOf, sampleDeal } from '../../../test/support/sampleDeal.ts';
import type { DealPlan, DealPlanInput } from '../dealPlan.ts';
import { dealFromSalesforce } from '../mapping/dealFromSalesforce.ts';
import type { Mapping } from '../mapping/mappingSchema.ts';
import { mergeWithDefaults } from '../mapping/mergeWithDefaults.ts';
import { referralCreateBody } from '../mapping/referralCreateBody.ts';
import { planDeal } from '../planDeal.ts';
import type { ReferralInput } from '../referralInput.ts';

const mappingWith = (coSell: { servicesPartner?: boolean; requireMarketplaceIntent?: boolean }): Mapping => {
  const parsed = mergeWithDefaults({ coSell });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
};
const services = mappingWith({ servicesPartner: true, requireMarketplaceIntent: true });
const OPPORTUNITY_ID = '006000000000001AAA';

const linked = sampleDeal({
  partnerRole: 'Implementation',
  solutionArea: 'Security',
  solutionPlay: 'DataSecurity',
  customerMarketplaceIntent: 'HaveNotDecided',
  externalReferenceId: OPPORTUNITY_ID,
});

/** A linked deal in sync, then the seller's edit of opportunity fields (labels, as a seller picks them). */
async function planSellerEdit(edit: Record<string, unknown>, mapping = services): Promise<DealPlan> {
  const snapshot = opportunitySnapshotOf(linked, mapping, OPPORTUNITY_ID);
  const referral: ReferralInput = {
    ...(referralCreateBody(linked, mapping, { opportunityId: OPPORTUNITY_ID }) as unknown as ReferralInput),
    id: linked.referralId,
    engagementId: linked.engagementId,
    status: 'Active',
    substatus: 'Accepted',
    links: { self: { uri: linked.referralLink } },
  };
  const base = dealFromSalesforce(snapshot, mapping);
  const input: DealPlanInput = {
    link: {
      id: '1',
      referralId: linked.referralId,
      opportunityId: OPPORTUNITY_ID,
      salesforceObject: 'opportunity',
      base,
      state: 'synced',
      lastError: null,
    },
    referral: {
      id: String(linked.referralId),
      eTag: '"1"',
      updatedDateTime: '2026-11-25T10:00:00Z',
      engagementId: linked.engagementId,
      type: 'Shared',
      input: referral,
      raw: referral as Record<string, unknown>,
    },
    related: [],
    opportunity: {
      opportunityId: OPPORTUNITY_ID,
      systemModstamp: '2026-11-25T11:00:00.000Z',
      lastModifiedAt: '2026-11-25T11:00:00.000Z',
      syncEnabled: true,
      snapshot: { ...snapshot, opportunity: { ...snapshot.opportunity, ...edit } },
    },
    mapping,
    org: { notesAvailable: false },
    trigger: 'salesforce',
    now: new Date('2026-11-25T11:00:01Z'),
  };
  return planDeal(input);
}

describe('an update of a linked Services co-sell deal', () => {
  it('with nothing changed sends nothing to Partner Center', async () => {
    const plan = await planSellerEdit({});
    expect(plan.partnerCenter).toBeNull();
    expect(plan.toPartnerCenter).toEqual([]);
  });

  it('sends a valid change of area and play', async () => {
    const plan = await planSellerEdit({
      Solution_Area__c: 'Cloud and AI Platforms',
      Solution_Play__c: 'Migrate and modernize your estate',
    });
    expect(plan.action).toBe('update');
    expect(plan.partnerCenter).toMatchObject({ op: 'patch' });
  });

  it.each([
    [
      'a new area the play does not belong to',
      { Solution_Area__c: 'Cloud and AI Platforms' },
      'solutionPlay_invalid',
    ],
    ['a cleared partner role', { Partner_Role__c: null }, 'partnerRole_missing'],
    ['a cleared solution area', { Solution_Area__c: null, Solution_Play__c: null }, 'solutionArea_missing'],
    ['a play from another area', { Solution_Play__c: 'Unify your data platform' }, 'solutionPlay_invalid'],
    ['a value outside the taxonomy', { Partner_Role__c: 'Reseller' }, 'partnerRole_invalid'],
    [
      'a cleared marketplace intent',
      { Customer_Marketplace_Intent__c: null },
      'customerMarketplaceIntent_missing',
    ],
  ])(
    'refuses %s, shows the reason and the fix on the record, and sends nothing',
    async (_what, edit, code) => {
      const plan = await planSellerEdit(edit);
      expect(plan.action).toBe('invalid');
      expect(plan.partnerCenter).toBeNull();
      expect(plan.link).toMatchObject({ state: 'error', lastError: { code } });
      const fields = plan.salesforce?.opportunity?.fields ?? {};
      expect(fields['Partner_Center_Sync_Status__c']).toBe('Error');
      expect(String(fields['Partner_Center_Audit__c'])).toMatch(
        /Not sent to Partner Center: .*(choose|Choose)/,
      );
    },
  );
});
