/**
 * What the sync use cases need from each side, as narrow ports. The adapters over the real clients live
 * beside them (partnerCenterGateway.ts, salesforceGateway.ts); app.ts wires them.
 */
import type { AccountMatchKey } from '../domain/mapping/accountMatchKey.ts';
import type { JsonPatchOperation } from '../domain/mapping/referralPatchOps.ts';
import type { SalesforceDealSnapshot, SalesforceRecord } from '../domain/salesforceDealSnapshot.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';

export interface PartnerCenterPort {
  getReferral(id: string): Promise<PcReferral | null>;
  /** The referral whose externalReferenceId is this opportunity id (idempotent creates). */
  findReferralByExternalReferenceId(opportunityId: string): Promise<PcReferral | null>;
  createReferral(body: Record<string, unknown>): Promise<PcReferral>;
  /** JSON Patch with If-Match; returns the updated referral. A stale eTag throws a `conflict` UpstreamError. */
  patchReferral(
    id: string,
    operations: readonly JsonPatchOperation[],
    eTag: string | null,
  ): Promise<PcReferral>;
  /** Every referral of the engagement (ours, Microsoft's, other partners'). */
  listEngagementReferrals(engagementId: string): Promise<PcReferral[]>;
  /** Referrals updated at or after the instant, oldest first. */
  listUpdatedSince(since: string): AsyncIterable<PcReferral>;
}

/** An opportunity as read for one deal, with what the merge needs to order changes. */
export interface SalesforceDealRead {
  snapshot: SalesforceDealSnapshot;
  opportunityId: string;
  systemModstamp: string | null;
  lastModifiedAt: string | null;
  /** True when the Sync with Partner Center box is ticked. */
  syncEnabled: boolean;
}

export interface SalesforceChildChanges {
  /** Contacts to link to the opportunity (created on the account when no contact has that email). */
  contactsToAdd: SalesforceRecord[];
  contactsToUpdate: { contactId: string; fields: SalesforceRecord }[];
  /** OpportunityContactRole ids to delete. */
  contactRolesToRemove: string[];
  solutionsToAdd: SalesforceRecord[];
  solutionsToUpdate: { id: string; fields: SalesforceRecord }[];
  solutionIdsToRemove: string[];
  /** Users (by email) to add to the opportunity team. */
  teamEmailsToAdd: string[];
  teamMemberIdsToRemove: string[];
}

/** A Salesforce Lead created for a Microsoft lead (leads.handling: lead). */
export interface SalesforceLeadRead {
  leadId: string;
  isConverted: boolean;
  convertedOpportunityId: string | null;
  status: string | null;
  systemModstamp: string | null;
}

export interface SalesforcePort {
  /** Whether the org has Notes (ContentNote) enabled. */
  notesAvailable(): Promise<boolean>;
  /** The text of the opportunity's note with this title, or null. */
  readNote(opportunityId: string, title: string): Promise<string | null>;
  /** Creates or replaces the opportunity's note with this title. */
  writeNote(opportunityId: string, title: string, text: string): Promise<void>;
  /** Creates or updates the Lead whose referral-id field holds referralId. */
  upsertLeadByReferralId(
    referralId: string,
    fields: SalesforceRecord,
  ): Promise<{ id: string; created: boolean }>;
  readLead(leadId: string): Promise<SalesforceLeadRead | null>;
  readDeal(opportunityId: string): Promise<SalesforceDealRead | null>;
  findOpportunityIdByReferralId(referralId: string): Promise<string | null>;
  /** Creates or updates the opportunity whose referral-id field holds referralId. */
  upsertOpportunityByReferralId(
    referralId: string,
    fields: SalesforceRecord,
  ): Promise<{ id: string; created: boolean }>;
  updateOpportunity(opportunityId: string, fields: SalesforceRecord): Promise<void>;
  /** Finds the customer's account by its match key (DUNS, else normalised name + postal code) or creates it; returns its id. */
  ensureAccount(match: AccountMatchKey | null, fields: SalesforceRecord): Promise<string>;
  applyChildChanges(
    opportunityId: string,
    accountId: string | null,
    changes: SalesforceChildChanges,
  ): Promise<void>;
}
