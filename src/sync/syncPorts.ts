/**
 * What the sync use cases need from each side, as narrow ports. The adapters over the real clients live beside
 * those clients (`partner-center/partnerCenterGateway.ts`, `salesforce/salesforceDealGateway.ts`); app.ts wires them.
 */
import type { PlanOpportunity, SalesforceWrites } from '../domain/dealPlan.ts';
import type { JsonPatchOperation } from '../domain/mapping/referralPatchOps.ts';
import type { SalesforceRecord } from '../domain/salesforceDealSnapshot.ts';
import type { PcReferral, ReferralVersion } from '../partner-center/referralWire.ts';

export interface PartnerCenterPort {
  getReferral(id: string): Promise<PcReferral | null>;
  /**
   * The referral created at or after `sinceAt` whose externalReferenceId is this opportunity id (recovering an
   * interrupted create), found with documented queries only.
   */
  findCreatedReferral(opportunityId: string, sinceAt: string): Promise<PcReferral | null>;
  createReferral(body: Record<string, unknown>): Promise<PcReferral>;
  /** JSON Patch with If-Match; returns the version it made. A stale eTag throws a `conflict` UpstreamError. */
  patchReferral(
    id: string,
    operations: readonly JsonPatchOperation[],
    eTag: string | null,
  ): Promise<ReferralVersion>;
  /** Every referral of the engagement (ours, Microsoft's, other partners'). */
  listEngagementReferrals(engagementId: string): Promise<PcReferral[]>;
  /** Referrals updated at or after the instant, oldest first. */
  listUpdatedSince(since: string): AsyncIterable<PcReferral>;
  /** Every referral of the tenant, oldest first (backfill). */
  listAll(): AsyncIterable<PcReferral>;
  /** The id and engagement id of every referral of the tenant, oldest first, without reading them whole. */
  listAllKeys(): AsyncIterable<{ id: string; engagementId: string | null }>;
}

/** An opportunity as read for one deal, with the referral id it carries (if any). */
export interface SalesforceDealRead extends PlanOpportunity {
  /** The value of the opportunity's referral-id field. */
  referralId: string | null;
}

/** A Salesforce Lead created for a Microsoft lead (leads.handling: lead). */
export interface SalesforceLeadRead {
  leadId: string;
  isConverted: boolean;
  convertedOpportunityId: string | null;
  status: string | null;
  systemModstamp: string | null;
}

/** A record error as Salesforce reported it, already classified. */
export interface SalesforceWriteError {
  code: string;
  message: string;
  kind: 'transient' | 'rate_limited' | 'auth' | 'conflict' | 'permanent';
  fields: string[];
  /** What an admin should do about it. */
  fix: string;
}

/** What one deal's Salesforce writes came to. */
export interface SalesforceWriteResult {
  /** The opportunity written (created or updated); null when the opportunity write failed. */
  opportunityId: string | null;
  /** True when the opportunity was inserted (not found by its referral id). */
  created: boolean;
  /** The opportunity write failed as a whole: nothing of this deal's opportunity was saved. */
  error: SalesforceWriteError | null;
  /**
   * Parts that Salesforce refused while the rest was saved: opportunity fields left out, the account or a child
   * record that could not be written. Each says what Salesforce said.
   */
  dropped: { fields: string[]; what: string; dealField?: string; error: SalesforceWriteError }[];
  /** SystemModstamp after the writes (read back once for the batch). */
  systemModstamp: string | null;
  /** A new opportunity as Salesforce saved it, read back whole with the stamp (its follow-up sync plans from it). */
  read?: SalesforceDealRead;
}

export interface SalesforcePort {
  /** Whether the org has Notes (ContentNote) enabled. */
  notesAvailable(): Promise<boolean>;
  /** Reads the opportunities with these ids or referral ids, with their accounts, contact roles, solutions, team. */
  readDeals(query: {
    opportunityIds: readonly string[];
    referralIds: readonly string[];
  }): Promise<SalesforceDealRead[]>;
  /** Applies every deal's writes in bulk, in dependency order; one result per item, in order. */
  applyWrites(items: readonly SalesforceWrites[]): Promise<SalesforceWriteResult[]>;
  /** Writes fields to opportunities in bulk (e.g. the ✖ status after a partial write); one error or null each. */
  updateOpportunities(
    updates: readonly { opportunityId: string; fields: SalesforceRecord }[],
  ): Promise<(SalesforceWriteError | null)[]>;
  /** Creates or updates the Lead whose referral-id field holds referralId. */
  upsertLeadByReferralId(
    referralId: string,
    fields: SalesforceRecord,
  ): Promise<{ id: string; created: boolean }>;
  readLead(leadId: string): Promise<SalesforceLeadRead | null>;
  /** Every opportunity worth a look for a backfill: Sync ticked or a referral id set, oldest first. */
  listSyncCandidates(): AsyncIterable<{ opportunityId: string; referralId: string | null }>;
  updateOpportunity(opportunityId: string, fields: SalesforceRecord): Promise<void>;
}
