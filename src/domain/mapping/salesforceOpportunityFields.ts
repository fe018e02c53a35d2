import type { CoSellDeal, DealField } from '../coSellDeal.ts';
import { statusText } from '../coSellDeal.ts';
import { nameWithStatusMark } from '../nameWithStatusMark.ts';
import { stageFromStatus } from '../referralStatus.ts';
import { labelOf, type TaxonomyEntry } from '../referralTaxonomy.ts';
import type { Mapping, ScalarMappedField } from './mappingSchema.ts';
import { salesforceStores } from './salesforceStores.ts';

export interface SalesforceFieldOptions {
  /**
   * The opportunity's current stage, so an accepted referral keeps its open stage. Pass it on every update: when it
   * is not given, an update for an Active referral writes the status text but leaves the stage alone (it cannot tell
   * the seller's open stage from the on-hold one). `null` means the opportunity has no stage yet.
   */
  currentStage?: string | null;
  /** Outcome of this sync for the ✔/✖ name mark (applied only when the mapping's `nameStatusMark` is on). */
  syncOk?: boolean;
}

/** Scalar deal fields written as-is (text, number, boolean) to their mapped opportunity field. */
const plainFields = [
  'dealValue',
  'closingDate',
  'statusReason',
  'shareWithMicrosoftSellers',
  'referralId',
  'referralLink',
  'engagementId',
  'microsoftCrmId',
  'inviteNotes',
  'microsoftStatus',
  'type',
  'direction',
  'qualification',
  'category',
  'acceptByDate',
  'actByDate',
] as const satisfies readonly ScalarMappedField[];

/**
 * Opportunity fields (API name → value) for a deal: name, amount, currency (multi-currency orgs), close date,
 * notes (when stored in a field), stage from the status table plus the status text (`Active/Accepted`) and reason,
 * "How can Microsoft help?" label, visibility, referral id/link, Microsoft CRM id. Fields flowing only to Partner
 * Center (e.g. externalReferenceId ⇐ Id) and fields without an API name are never written.
 * A full write (no `changedFields`) also ticks the sync flag, as for opportunities created from referrals.
 * `changedFields`: only these deal fields (e.g. the fields of the merge's `toSalesforce` changes); all when omitted.
 */
export function salesforceOpportunityFields(
  deal: CoSellDeal,
  mapping: Mapping,
  changedFields?: readonly DealField[] | null,
  options: SalesforceFieldOptions = {},
): Record<string, unknown> {
  const { currentStage, syncOk } = options;
  const isUpdate = changedFields !== undefined && changedFields !== null;
  const wanted = (field: DealField): boolean =>
    (!isUpdate || changedFields.includes(field)) &&
    salesforceStores(field, mapping) &&
    mapping.fields[field === 'substatus' ? 'status' : field].direction !== 'toPartnerCenter';
  const apiName = (field: ScalarMappedField) => mapping.fields[field].salesforceField;
  const out: Record<string, unknown> = {};
  const put = (name: string | null, value: unknown) => {
    if (name !== null) out[name] = value;
  };

  if (wanted('name') || (syncOk !== undefined && mapping.nameStatusMark)) {
    put(apiName('name'), syncOk === undefined ? deal.name : nameWithStatusMark(deal.name, syncOk, mapping));
  }
  if (wanted('currency')) put(apiName('currency'), deal.currency);
  if (wanted('notes') && mapping.notes.target === 'description') put(apiName('notes'), deal.notes);
  if (wanted('assistanceRequestCode')) {
    const code = deal.assistanceRequestCode;
    put(
      apiName('assistanceRequestCode'),
      code === null ? null : mapping.valueMaps.assistanceRequestCode[code],
    );
  }
  const taxonomy = mapping.taxonomy;
  const picklists: [ScalarMappedField & keyof CoSellDeal, readonly TaxonomyEntry[]][] = [
    ['partnerRole', taxonomy.partnerRoles],
    ['solutionArea', taxonomy.solutionAreas],
    ['solutionPlay', taxonomy.solutionAreas.flatMap((area) => area.solutionPlays)],
    ['customerMarketplaceIntent', taxonomy.customerMarketplaceIntents],
  ];
  for (const [field, list] of picklists) {
    const value = deal[field];
    // The picklists are unrestricted, so a value Microsoft added later is stored as received.
    if (wanted(field)) put(apiName(field), typeof value === 'string' ? labelOf(list, value) : null);
  }
  for (const field of plainFields) {
    if (wanted(field)) put(apiName(field), deal[field]);
  }
  if (wanted('status') || wanted('substatus')) {
    if (!(isUpdate && currentStage === undefined && deal.status === 'Active')) {
      put(apiName('status'), stageFromStatus(deal.status, deal.substatus, mapping, currentStage ?? null));
    }
    put(mapping.opportunity.statusTextField, statusText(deal.status, deal.substatus));
    if (deal.substatus === 'Declined') put(mapping.stages.declineReasonField, deal.statusReason);
  }
  if (!isUpdate) put(mapping.opportunity.syncFlagField, true);
  return out;
}
