/**
 * The deal page's side-by-side view: for every deal field, the value in Salesforce, in Partner Center and the last
 * agreed (base) value, with differences and merge conflicts marked. Reads both sides, writes nothing.
 */
import { type CoSellDeal, type DealField, dealFields } from '../domain/coSellDeal.ts';
import { deepEqual } from '../domain/deepEqual.ts';
import { dealFromReferral } from '../domain/mapping/dealFromReferral.ts';
import { dealFromSalesforce } from '../domain/mapping/dealFromSalesforce.ts';
import type { SyncDirection } from '../domain/mapping/mappingSchema.ts';
import { salesforceStores } from '../domain/mapping/salesforceStores.ts';
import { mergeDeals } from '../domain/mergeDeals.ts';
import type { LinkRow } from '../store/store.ts';
import type { DealSyncDeps } from './dealSyncContext.ts';
import { readDealBatch, referralInputOf } from './readDealBatch.ts';

export interface FieldComparison {
  field: DealField;
  /** The Salesforce API name the mapping reads and writes, or null when the field has none. */
  salesforceField: string | null;
  direction: SyncDirection;
  /** False when this org does not store the field (its Salesforce value is then not shown). */
  storedInSalesforce: boolean;
  salesforce: unknown;
  partnerCenter: unknown;
  base: unknown;
  /** Both sides are known and hold different values. */
  differs: boolean;
  /** Both sides changed the field since the base, differently: the merge decides by the field's conflict policy. */
  conflict: { winner: string; paths: string[] } | null;
}

export interface DealComparison {
  link: LinkRow | null;
  referralId: string | null;
  opportunityId: string | null;
  referralFound: boolean;
  opportunityFound: boolean;
  fields: FieldComparison[];
}

/** Compares the deal's two sides and its base, found through the link or the ids given. */
export async function compareDeal(
  deps: DealSyncDeps,
  ids: { referralId?: string | undefined; opportunityId?: string | undefined },
): Promise<DealComparison> {
  const { mapping } = deps;
  const [read] = await readDealBatch(deps, [{ ...ids, trigger: 'cli' }]);
  if (!read) throw new Error('readDealBatch gave no read for the one deal asked for');
  const state = {
    link: read.link,
    referral: read.referral,
    related: read.related,
    salesforce: read.opportunity,
  };
  const partnerCenter = state.referral
    ? dealFromReferral(referralInputOf(state.referral), mapping, {
        relatedReferrals: state.related.map(referralInputOf),
      })
    : null;
  const salesforce = state.salesforce ? dealFromSalesforce(state.salesforce.snapshot, mapping) : null;
  const base = (state.link?.base as CoSellDeal | null | undefined) ?? null;
  const conflicts =
    partnerCenter && salesforce
      ? mergeDeals({
          base,
          partnerCenter,
          salesforce,
          mapping,
          partnerCenterChangedAt: state.referral?.updatedDateTime ?? null,
          salesforceChangedAt: state.salesforce?.lastModifiedAt ?? null,
        }).conflicts
      : [];
  const fields = dealFields.map((field): FieldComparison => {
    const spec = mapping.fields[field === 'substatus' ? 'status' : field];
    const stored = salesforceStores(field, mapping);
    const sfValue = salesforce && stored ? salesforce[field] : null;
    const pcValue = partnerCenter ? partnerCenter[field] : null;
    const fieldConflicts = conflicts.filter(
      (conflict) => conflict.field === field || (field === 'substatus' && conflict.field === 'status'),
    );
    return {
      field,
      salesforceField: 'salesforceField' in spec ? spec.salesforceField : null,
      direction: spec.direction,
      storedInSalesforce: stored,
      salesforce: sfValue,
      partnerCenter: pcValue,
      base: base ? (base[field] ?? null) : null,
      differs: salesforce !== null && partnerCenter !== null && stored && !deepEqual(sfValue, pcValue),
      conflict: fieldConflicts[0]
        ? { winner: fieldConflicts[0].winner, paths: fieldConflicts.map((conflict) => conflict.path) }
        : null,
    };
  });
  return {
    link: state.link,
    referralId: state.referral?.id ?? state.link?.referralId ?? ids.referralId ?? null,
    opportunityId: state.salesforce?.opportunityId ?? state.link?.opportunityId ?? ids.opportunityId ?? null,
    referralFound: state.referral !== null,
    opportunityFound: state.salesforce !== null,
    fields,
  };
}
