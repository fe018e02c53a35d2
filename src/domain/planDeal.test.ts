/**
 * Counterexamples the planner's properties found (planDeal.property.test.ts), kept as plain cases, over one deal
 * held in memory on both sides.
 */
import { describe, expect, it } from 'vitest';
import {
  applySalesforceWrites,
  dealSides,
  dealSyncRound,
  isQuiet,
  type MemoryDeal,
  planInputOf,
} from '../../test/support/memoryDeal.ts';
import { editInPartnerCenter, editInSalesforce, referralOnly } from '../../test/support/memoryDealEdits.ts';
import { sampleDeal } from '../../test/support/sampleDeal.ts';
import { defaultMapping } from './mapping/defaultMapping.ts';
import { planDeal } from './planDeal.ts';

const mapping = defaultMapping;
const linked = async (): Promise<MemoryDeal> =>
  (await dealSyncRound(referralOnly(sampleDeal()), mapping)).deal;
const nextPlan = (deal: MemoryDeal) => planDeal(planInputOf(deal, mapping));

describe('planDeal', () => {
  it('writes a customer change from Partner Center to the linked opportunity’s account, so the next sync does not send the old value back', async () => {
    const customer = { ...sampleDeal().customer!, city: 'Seattle', postalCode: '98101' };
    const edited = editInPartnerCenter(await linked(), { customer }, mapping);
    const { deal, plans } = await dealSyncRound(edited, mapping);
    expect(plans[0]?.salesforce?.account?.fields).toMatchObject({
      BillingCity: 'Seattle',
      BillingPostalCode: '98101',
    });
    expect(plans[0]?.salesforce?.accountId).toBe(deal.org.account?.['Id']);
    expect(deal.org.account).toMatchObject({ BillingCity: 'Seattle', BillingPostalCode: '98101' });
    expect(isQuiet(await nextPlan(deal))).toBe(true);
    expect(dealSides(deal, mapping).partnerCenter?.customer).toEqual(customer);
  });

  it('keeps the details Partner Center gives a team member: the Salesforce user is never updated, and its own details are not sent back', async () => {
    const member = { firstName: 'Kim', lastName: null, email: 'kim@fabrikam.com', phone: '+1 555 0100' };
    const edited = editInPartnerCenter(await linked(), { partnerTeam: [member] }, mapping);
    const { deal, plans } = await dealSyncRound(edited, mapping);
    expect(plans[0]?.salesforce?.children?.teamEmailsToAdd).toEqual(['kim@fabrikam.com']);
    expect(deal.org.teamMembers).toHaveLength(1);
    const next = await nextPlan(deal);
    expect(next.toPartnerCenter).toEqual([]);
    expect(isQuiet(next)).toBe(true);
    expect(dealSides(deal, mapping).partnerCenter?.partnerTeam).toEqual([member]);
  });

  it('brings a closing made in Partner Center to Salesforce even when a seller’s change waits, refuses that change once, and then stays quiet', async () => {
    const start = await linked();
    const waiting = editInSalesforce(start, { notes: 'Seller notes' }, mapping);
    const closed = editInPartnerCenter(waiting, { status: 'Closed', substatus: 'Lost' }, mapping);
    const { deal, plans } = await dealSyncRound(closed, mapping);
    const plan = plans[0]!;
    expect(plan.toSalesforce.map((change) => change.field)).toEqual(['status', 'substatus']);
    expect(plan.toPartnerCenter).toEqual([]);
    expect(plan.partnerCenter).toBeNull();
    expect(plan.link).toMatchObject({ state: 'error', lastError: { code: 'closed_referral' } });
    expect(plan.audit).toMatchObject({ outcome: 'error', error: { code: 'closed_referral' } });
    expect(deal.org.opportunity).toMatchObject({
      StageName: 'Closed Lost',
      Partner_Center_Status__c: 'Closed/Lost',
      Partner_Center_Sync_Status__c: 'Error',
      Description: 'Seller notes',
    });
    const next = await nextPlan(deal);
    expect(next.action).toBe('noop');
    expect(isQuiet(next)).toBe(true);
    expect(next.audit).toBeNull();
  });

  // Found by the convergence property: a conflict decided by the `newest` policy was decided again after a refusal,
  // and the connector's own ✖ write had made Salesforce the newer side. Here Partner Center removed SOL-1 after the
  // seller renamed it: Partner Center (newer) wins, the merged deal has no solution left and is refused; the next
  // sync kept the renamed SOL-1 instead and sent it. The refusal now records the conflicts as seen.
  it('keeps a refusal as it is when nothing changed but its own ✖ mark (newest-policy conflicts)', async () => {
    const solution = (id: string, name = 'Migrate') => ({ id, name, publisher: 'Fabrikam' });
    const start = (await dealSyncRound(referralOnly(sampleDeal()), mapping)).deal;
    const both = editInPartnerCenter(start, { solutions: [solution('SOL-1'), solution('SOL-3')] }, mapping);
    const synced = (await dealSyncRound(both, mapping)).deal;
    const renamed = editInSalesforce(synced, { solutions: [solution('SOL-1', 'Analytics')] }, mapping);
    const removed = editInPartnerCenter(renamed, { solutions: [solution('SOL-3')] }, mapping);
    const { deal, plans } = await dealSyncRound(removed, mapping);
    expect(plans[0]?.action).toBe('invalid');
    expect(isQuiet(await nextPlan(deal))).toBe(true);
  });

  it('recovers an opportunity create interrupted after the opportunity was saved but before its children: writes them and audits the create', async () => {
    const start = referralOnly(sampleDeal());
    const create = await nextPlan(start);
    expect(create.action).toBe('create_opportunity');
    // The create intent was stored (pending, with the deal it meant to write), then only the opportunity landed.
    const interrupted: MemoryDeal = structuredClone(start);
    applySalesforceWrites(interrupted, { ...create.salesforce!, children: null, notes: [] }, mapping);
    interrupted.link = {
      id: 'link-1',
      referralId: String(start.referral?.['id']),
      opportunityId: null,
      salesforceObject: 'opportunity',
      state: 'pending',
      lastError: null,
      base: create.merged,
    };
    expect(interrupted.org.solutions).toEqual([]);
    const recovery = await nextPlan(interrupted);
    // The missing children are Partner Center's to write, not a seller's removal to send: Partner Center only
    // learns the new opportunity's id (the follow-up the interruption cut off).
    expect(recovery.toPartnerCenter.map((change) => change.field)).toEqual(['externalReferenceId']);
    expect(recovery.salesforce?.children?.solutionsToAdd.length).toBe(sampleDeal().solutions.length);
    expect(recovery.salesforce?.children?.contactsToAdd.length).toBe(sampleDeal().customerContacts.length);
    expect(recovery.audit).toMatchObject({ outcome: 'ok' });
    expect(recovery.audit?.message).toContain('its create was interrupted');
    expect(recovery.audit?.changes.map((change) => change.field)).toEqual(
      expect.arrayContaining(['Name', 'Amount', 'solutions', 'customerContacts']),
    );
    expect(recovery.link).toMatchObject({ state: 'synced' });
  });
});
