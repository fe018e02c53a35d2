/**
 * Microsoft leads kept as Salesforce Leads (leads.handling: lead): creation, conversion, decline. Rare, so one
 * deal at a time rather than in bulk; a dry run reports what would happen and writes nothing.
 */
import type { CoSellDeal } from '../domain/coSellDeal.ts';
import type { AuditDraft, LinkUpdate } from '../domain/dealPlan.ts';
import { dealFromReferral } from '../domain/mapping/dealFromReferral.ts';
import { dealFromSalesforce } from '../domain/mapping/dealFromSalesforce.ts';
import { leadFields } from '../domain/mapping/leadFields.ts';
import { referralPatchOps } from '../domain/mapping/referralPatchOps.ts';
import { creationChanges } from '../domain/plan/planParts.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';
import type { LinkRow } from '../store/store.ts';
import type { DealSyncDeps, DealSyncResult } from './dealSyncContext.ts';
import { auditEntryFrom, newLinkFrom, type PlannedDeal, resultOf } from './plannedDeal.ts';
import { referralInputOf } from './readDealBatch.ts';

/** Inserts or updates the link and appends the audit entry in one transaction. */
async function saveLeadLink(
  deps: DealSyncDeps,
  planned: PlannedDeal,
  existing: LinkRow | null,
  fields: LinkUpdate,
  audit: AuditDraft,
): Promise<LinkRow> {
  return deps.store.transaction(async (tx) => {
    const link = existing
      ? await tx.links.update(existing.id, fields)
      : await tx.links.insert(newLinkFrom(deps, planned.read, fields, 'lead'));
    await tx.audit.append(
      auditEntryFrom(
        deps,
        { linkId: link.id, referralId: link.referralId, opportunityId: link.opportunityId },
        audit,
      ),
    );
    return link;
  });
}

/** Syncs a deal whose Salesforce side is (or becomes) a Lead; `converted` when it is an opportunity now. */
export async function syncLeadDeal(
  deps: DealSyncDeps,
  planned: PlannedDeal,
  options: { dryRun: boolean },
): Promise<DealSyncResult | 'converted'> {
  const referral = planned.read.referral;
  if (!referral) throw new Error('A lead sync needs its referral.');
  if (planned.plan.lead === 'create') return createLead(deps, planned, referral, options);
  const link = planned.read.link;
  if (!link) throw new Error('A linked lead sync needs its link.');
  return syncLinkedLead(deps, planned, link, referral, options);
}

/** leads.handling "lead": an unaccepted Microsoft lead becomes a Salesforce Lead (idempotent on its referral id). */
async function createLead(
  deps: DealSyncDeps,
  planned: PlannedDeal,
  referral: PcReferral,
  options: { dryRun: boolean },
): Promise<DealSyncResult> {
  const deal = dealFromReferral(referralInputOf(referral), deps.mapping, { relatedReferrals: [] });
  const fields = leadFields(deal, deps.mapping);
  const changes = creationChanges(fields, 'Lead.');
  const trigger = planned.read.request.trigger;
  if (options.dryRun) {
    return resultOf(planned.read, planned.plan, {
      action: 'create_lead',
      toSalesforce: changes,
      message: `Would create a lead for referral ${referral.id}.`,
      dryRun: true,
    });
  }
  const lead = await deps.salesforce.upsertLeadByReferralId(referral.id, fields);
  const message = `${lead.created ? 'Created' : 'Linked'} lead ${lead.id} from Microsoft lead ${referral.id}.`;
  const saved = await saveLeadLink(
    deps,
    planned,
    planned.read.link,
    {
      referralId: referral.id,
      opportunityId: lead.id,
      salesforceObject: 'lead',
      engagementId: referral.engagementId,
      base: deal,
      pcETag: referral.eTag,
      state: 'synced',
      lastError: null,
    },
    { trigger, direction: 'toSalesforce', outcome: 'ok', changes, message },
  );
  return resultOf(planned.read, planned.plan, {
    action: 'create_lead',
    linkId: saved.id,
    opportunityId: lead.id,
    toSalesforce: changes,
    message,
  });
}

/**
 * A linked lead: converting it in Salesforce accepts the referral and links the new opportunity; closing it
 * unconverted declines the referral.
 */
async function syncLinkedLead(
  deps: DealSyncDeps,
  planned: PlannedDeal,
  link: LinkRow,
  referral: PcReferral,
  options: { dryRun: boolean },
): Promise<DealSyncResult | 'converted'> {
  const { mapping } = deps;
  const trigger = planned.read.request.trigger;
  const result = (partial: Partial<DealSyncResult> & Pick<DealSyncResult, 'action' | 'message'>) =>
    resultOf(planned.read, planned.plan, { dryRun: options.dryRun, ...partial });
  const lead = link.opportunityId ? await deps.salesforce.readLead(link.opportunityId) : null;
  if (!lead)
    return result({
      action: 'skip',
      message: `The lead linked to referral ${referral.id} no longer exists.`,
    });
  const pcDeal = dealFromReferral(referralInputOf(referral), mapping, { relatedReferrals: [] });
  const patchStatus = async (
    status: CoSellDeal['status'],
    substatus: CoSellDeal['substatus'],
    statusReason: string | null,
  ) => {
    const target = { ...pcDeal, status, substatus, statusReason };
    const changes = [
      { field: 'status' as const, before: pcDeal.status, after: status },
      { field: 'substatus' as const, before: pcDeal.substatus, after: substatus },
      ...(statusReason
        ? [{ field: 'statusReason' as const, before: pcDeal.statusReason, after: statusReason }]
        : []),
    ];
    const operations = referralPatchOps(changes, target, mapping);
    if (!operations.ok) throw new Error(operations.error.message);
    return deps.partnerCenter.patchReferral(referral.id, operations.value, referral.eTag);
  };

  if (lead.isConverted && lead.convertedOpportunityId) {
    const opportunityId = lead.convertedOpportunityId;
    if (options.dryRun)
      return result({
        action: 'update',
        message: `Would link converted opportunity ${opportunityId} and accept the referral.`,
      });
    if (pcDeal.status === 'New') await patchStatus('Active', 'Accepted', null);
    const referralIdField = mapping.fields.referralId.salesforceField ?? 'Partner_Center_Referral_Id__c';
    await deps.salesforce.updateOpportunity(opportunityId, {
      [referralIdField]: referral.id,
      [mapping.opportunity.syncFlagField]: true,
    });
    const [read] = await deps.salesforce.readDeals({ opportunityIds: [opportunityId], referralIds: [] });
    await saveLeadLink(
      deps,
      planned,
      link,
      {
        opportunityId,
        salesforceObject: 'opportunity',
        // Partner Center holds the deal's details: the merge that follows fills the new opportunity from it.
        base: read
          ? { ...dealFromSalesforce(read.snapshot, mapping), status: 'Active', substatus: 'Accepted' }
          : null,
        sfSystemModstamp: read?.systemModstamp ?? null,
        state: 'synced',
        lastError: null,
      },
      {
        trigger,
        direction: 'both',
        outcome: 'ok',
        changes: [
          {
            field: 'status',
            side: 'partnerCenter',
            before: `${pcDeal.status}/${pcDeal.substatus}`,
            after: 'Active/Accepted',
          },
        ],
        message: `Lead ${lead.leadId} was converted: linked opportunity ${opportunityId} and accepted the referral.`,
      },
    );
    return 'converted';
  }
  if (lead.status?.toLowerCase().startsWith('closed') && pcDeal.status === 'New') {
    const reason = `Lead closed in Salesforce (${lead.status})`;
    if (!options.dryRun) {
      await patchStatus('Closed', 'Declined', reason);
      await saveLeadLink(
        deps,
        planned,
        link,
        { state: 'synced', lastError: null },
        {
          trigger,
          direction: 'toPartnerCenter',
          outcome: 'ok',
          changes: [
            {
              field: 'status',
              side: 'partnerCenter',
              before: `${pcDeal.status}/${pcDeal.substatus}`,
              after: 'Closed/Declined',
            },
          ],
          message: `Declined Microsoft lead ${referral.id}: ${reason}.`,
        },
      );
    }
    return result({
      action: 'update',
      message: `${options.dryRun ? 'Would decline' : 'Declined'} the Microsoft lead: ${reason}.`,
    });
  }
  return result({ action: 'noop', message: 'Lead not converted yet: nothing to sync.' });
}
