import { describe, expect, it } from 'vitest';
import {
  opportunitySnapshotOf,
  sampleDeal,
  sampleInboundReferral,
} from '../../../test/support/sampleDeal.ts';
import type { DealPlan, DealPlanInput } from '../dealPlan.ts';
import { dealFromReferral } from '../mapping/dealFromReferral.ts';
import { dealFromSalesforce } from '../mapping/dealFromSalesforce.ts';
import { defaultMapping } from '../mapping/defaultMapping.ts';
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

describe('an opportunity create interrupted after Salesforce saved the opportunity', () => {
  it('writes the child records that never reached Salesforce, and takes nothing away in Partner Center', async () => {
    const inbound = sampleInboundReferral();
    const created = dealFromReferral(inbound, defaultMapping);
    // The opportunity was saved, then the process died before its contact roles, solutions and team.
    const saved = opportunitySnapshotOf(
      { ...created, customerContacts: [], solutions: [], partnerTeam: [] },
      defaultMapping,
      OPPORTUNITY_ID,
    );
    const plan = await planDeal({
      link: {
        id: '1',
        referralId: String(inbound.id),
        opportunityId: null,
        salesforceObject: 'opportunity',
        base: created,
        state: 'pending',
        lastError: null,
      },
      referral: {
        id: String(inbound.id),
        eTag: '"1"',
        updatedDateTime: '2026-11-25T10:00:00Z',
        engagementId: String(inbound.engagementId),
        type: 'Shared',
        input: inbound,
        raw: inbound as Record<string, unknown>,
      },
      related: [],
      opportunity: {
        opportunityId: OPPORTUNITY_ID,
        systemModstamp: '2026-11-25T11:00:00.000Z',
        lastModifiedAt: '2026-11-25T11:00:00.000Z',
        syncEnabled: true,
        snapshot: saved,
      },
      mapping: defaultMapping,
      org: { notesAvailable: false },
      trigger: 'reconcile',
      now: new Date('2026-11-25T11:00:01Z'),
    });
    expect(plan.action).toBe('update');
    const sentToPartnerCenter = plan.toPartnerCenter.map((change) => change.field);
    expect(sentToPartnerCenter).not.toContain('solutions');
    expect(sentToPartnerCenter).not.toContain('customerContacts');
    expect(plan.toSalesforce.map((change) => change.field)).toEqual(
      expect.arrayContaining(['customerContacts', 'solutions']),
    );
    expect(plan.salesforce?.children?.solutionsToAdd).toHaveLength(1);
    expect(plan.salesforce?.children?.contactsToAdd.length).toBeGreaterThan(0);
    expect(plan.audit?.message).toContain('its create was interrupted');
  });
});
