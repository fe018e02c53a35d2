/** Microsoft leads kept as Salesforce Leads (leads.handling: lead): creation, conversion, decline. */
import type { CoSellDeal } from '../domain/coSellDeal.ts';
import { dealFromReferral } from '../domain/mapping/dealFromReferral.ts';
import { dealFromSalesforce } from '../domain/mapping/dealFromSalesforce.ts';
import { leadFields } from '../domain/mapping/leadFields.ts';
import { referralPatchOps } from '../domain/mapping/referralPatchOps.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';
import type { LinkRow } from '../store/store.ts';
import type { DealState } from './dealState.ts';
import type { DealSyncDeps, DealSyncInput, DealSyncResult } from './dealSyncContext.ts';
import { referralInputOf } from './referralInputOf.ts';
import { saveLink } from './saveLink.ts';
import { creationChanges, syncResult } from './syncResult.ts';

/** leads.handling "lead": an unaccepted Microsoft lead becomes a Salesforce Lead (idempotent on its referral id). */
export async function createLead(
  deps: DealSyncDeps,
  input: DealSyncInput,
  state: DealState,
  referral: PcReferral,
  deal: CoSellDeal,
): Promise<DealSyncResult> {
  const fields = leadFields(deal, deps.mapping);
  const changes = creationChanges(fields, 'Lead.');
  if (input.dryRun) {
    return syncResult(input, {
      action: 'create_lead',
      referralId: referral.id,
      toSalesforce: changes,
      message: `Would create a lead for referral ${referral.id}.`,
    });
  }
  const lead = await deps.salesforce.upsertLeadByReferralId(referral.id, fields);
  const message = `${lead.created ? 'Created' : 'Linked'} lead ${lead.id} from Microsoft lead ${referral.id}.`;
  const saved = await saveLink(
    deps,
    state.link,
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
    { trigger: input.trigger, direction: 'toSalesforce', outcome: 'ok', changes, message },
  );
  return syncResult(input, {
    action: 'create_lead',
    linkId: saved.id,
    referralId: referral.id,
    opportunityId: lead.id,
    toSalesforce: changes,
    message,
  });
}

/**
 * A linked lead: converting it in Salesforce accepts the referral and links the new opportunity; closing it
 * unconverted declines the referral. Returns `converted` when the link now points at an opportunity.
 */
export async function syncLead(
  deps: DealSyncDeps,
  input: DealSyncInput,
  link: LinkRow,
  referral: PcReferral,
): Promise<{ converted: boolean; result: DealSyncResult }> {
  const { mapping } = deps;
  const ids = { referralId: referral.id, opportunityId: link.opportunityId, linkId: link.id };
  const lead = link.opportunityId ? await deps.salesforce.readLead(link.opportunityId) : null;
  if (!lead)
    return {
      converted: false,
      result: syncResult(input, {
        ...ids,
        action: 'skip',
        message: `The lead linked to referral ${referral.id} no longer exists.`,
      }),
    };
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
    if (input.dryRun) {
      return {
        converted: false,
        result: syncResult(input, {
          ...ids,
          action: 'update',
          message: `Would link converted opportunity ${opportunityId} and accept the referral.`,
        }),
      };
    }
    if (pcDeal.status === 'New') await patchStatus('Active', 'Accepted', null);
    const referralIdField = mapping.fields.referralId.salesforceField ?? 'Partner_Center_Referral_Id__c';
    await deps.salesforce.updateOpportunity(opportunityId, {
      [referralIdField]: referral.id,
      [mapping.opportunity.syncFlagField]: true,
    });
    const read = await deps.salesforce.readDeal(opportunityId);
    await saveLink(
      deps,
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
        trigger: input.trigger,
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
    return {
      converted: true,
      result: syncResult(input, { ...ids, opportunityId, action: 'update', message: 'Lead converted.' }),
    };
  }
  if (lead.status?.toLowerCase().startsWith('closed') && pcDeal.status === 'New') {
    const reason = `Lead closed in Salesforce (${lead.status})`;
    if (!input.dryRun) {
      await patchStatus('Closed', 'Declined', reason);
      await saveLink(
        deps,
        link,
        { state: 'synced', lastError: null },
        {
          trigger: input.trigger,
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
    return {
      converted: false,
      result: syncResult(input, {
        ...ids,
        action: 'update',
        message: `Declined the Microsoft lead: ${reason}.`,
      }),
    };
  }
  return {
    converted: false,
    result: syncResult(input, {
      ...ids,
      action: 'noop',
      message: 'Lead not converted yet: nothing to sync.',
    }),
  };
}
