/**
 * The plan for one deal: everything a sync decides (what to write to each side, the link's next state, the
 * audit entry, or why nothing is written), computed by `planDeal` from what was read. Applying it is the sync
 * layer's job; a dry run prints it and applies nothing.
 */
import type { CoSellDeal } from './coSellDeal.ts';
import type { AccountMatchKey } from './mapping/accountMatchKey.ts';
import type { Mapping } from './mapping/mappingSchema.ts';
import type { JsonPatchOperation } from './mapping/referralPatchOps.ts';
import type { ReferralInput } from './referralInput.ts';
import type { SalesforceDealSnapshot, SalesforceRecord } from './salesforceDealSnapshot.ts';

export type DealSyncAction =
  | 'create_opportunity'
  | 'create_referral'
  | 'create_lead'
  | 'update'
  | 'noop'
  | 'pause'
  | 'skip'
  | 'invalid';

export type LinkState = 'synced' | 'pending' | 'error' | 'conflict' | 'paused';

/** One field as the audit shows it: which side was written, its value before and after. */
export interface AuditChange {
  field: string;
  side: 'salesforce' | 'partnerCenter';
  before: unknown;
  after: unknown;
}

export type AuditOutcome = 'ok' | 'noop' | 'conflict' | 'error' | 'skipped';

export interface AuditDraft {
  trigger: string;
  direction: 'toSalesforce' | 'toPartnerCenter' | 'both' | 'none';
  outcome: AuditOutcome;
  changes: AuditChange[];
  message: string;
  error?: { code: string; message: string } | null;
}

/** The link as the planner needs it. */
export interface PlanLink {
  id: string;
  referralId: string | null;
  opportunityId: string | null;
  salesforceObject: 'opportunity' | 'lead';
  state: LinkState;
  lastError: { code: string; message: string } | null;
  base: unknown;
  /** A write an earlier sync started and never recorded (its job died between the call and the store). */
  pendingWrite?: PendingWrite | null;
}

/** A write under way, stored on the link before the call: the changes it sends, as the audit will show them. */
export interface PendingWrite {
  startedAt: string;
  changes: AuditChange[];
}

/** The link's next state; fields left out keep their value. */
export interface LinkUpdate {
  referralId?: string | null;
  salesforceObject?: 'opportunity' | 'lead';
  opportunityId?: string | null;
  engagementId?: string | null;
  base?: unknown;
  pcETag?: string | null;
  sfSystemModstamp?: string | null;
  state: LinkState;
  lastError?: { code: string; message: string } | null;
  /** Cleared (null) once the sync that made a write records it. */
  pendingWrite?: PendingWrite | null;
}

/** A referral as the planner reads it: the wire fields the domain maps, plus the bookkeeping the plan needs. */
export interface PlanReferral {
  id: string;
  eTag: string | null;
  updatedDateTime: string | null;
  engagementId: string | null;
  type: string | null;
  input: ReferralInput;
  /** The referral exactly as Partner Center sent it (JSONata transforms read it). */
  raw: Record<string, unknown>;
}

/** The opportunity side of a deal as read from Salesforce. */
export interface PlanOpportunity {
  opportunityId: string;
  systemModstamp: string | null;
  lastModifiedAt: string | null;
  /** True when the Sync with Partner Center box is ticked. */
  syncEnabled: boolean;
  snapshot: SalesforceDealSnapshot;
}

/** What the org can do, read once at start. */
export interface PlanOrgFacts {
  notesAvailable: boolean;
}

export interface DealPlanInput {
  link: PlanLink | null;
  referral: PlanReferral | null;
  /** Every other referral of a shared engagement (Microsoft's side carries the MSX id). */
  related: readonly ReferralInput[];
  opportunity: PlanOpportunity | null;
  mapping: Mapping;
  org: PlanOrgFacts;
  trigger: string;
  /** The instant the plan is made (audit lines on the opportunity carry it). */
  now: Date;
}

/** Child records of the opportunity to change (customer contacts with their roles, solutions, team). */
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

export interface SalesforceNoteWrite {
  title: string;
  text: string;
}

export type OpportunityWrite =
  | { op: 'create'; referralId: string; fields: SalesforceRecord }
  | {
      op: 'update';
      opportunityId: string;
      fields: SalesforceRecord;
      /**
       * The opportunity as the plan read it (its SystemModstamp and field values): one that has changed since is
       * not written — re-checked just before the write (values too, as SystemModstamp counts whole seconds), and
       * the update sent with If-Unmodified-Since at that stamp — and its deal is read and merged again. Absent:
       * written unconditionally.
       */
      readAs?: { systemModstamp: string | null; record: SalesforceRecord };
    };

/** Everything one deal writes to Salesforce, in dependency order: account, opportunity, children, notes. */
export interface SalesforceWrites {
  /**
   * The customer's account. With a new opportunity (or one without an account): found by its match key, or
   * created, and its id goes on the opportunity. With an opportunity that has one (`accountId`): these fields update it.
   */
  account: { match: AccountMatchKey | null; fields: SalesforceRecord } | null;
  opportunity: OpportunityWrite | null;
  /** The opportunity's current account (for an update), so contacts created for it land on that account. */
  accountId: string | null;
  children: SalesforceChildChanges | null;
  notes: SalesforceNoteWrite[];
}

export type PartnerCenterWrite =
  | { op: 'create'; opportunityId: string; body: Record<string, unknown> }
  | { op: 'patch'; referralId: string; eTag: string | null; operations: JsonPatchOperation[] };

export interface DealPlan {
  action: DealSyncAction;
  message: string;
  linkId: string | null;
  referralId: string | null;
  opportunityId: string | null;
  toSalesforce: AuditChange[];
  toPartnerCenter: AuditChange[];
  conflicts: { field: string; winner: string }[];
  partnerCenter: PartnerCenterWrite | null;
  salesforce: SalesforceWrites | null;
  /** The link's next state (inserted when the deal has none); null leaves the link as it is. */
  link: LinkUpdate | null;
  audit: AuditDraft | null;
  /**
   * Leads kept as Salesforce Leads are synced by their own use case, one deal at a time (rare).
   * The plan then carries no writes.
   */
  lead: 'create' | 'linked' | null;
  /** The deal as it will stand on both sides once applied (the next base); null when unchanged. */
  merged: CoSellDeal | null;
  /**
   * Changes an earlier sync wrote and never recorded (its job died after the call, before the store): found on
   * the side they were written to, and recorded by this plan's audit entry.
   */
  landed: AuditChange[];
}

export const noChildChanges = (): SalesforceChildChanges => ({
  contactsToAdd: [],
  contactsToUpdate: [],
  contactRolesToRemove: [],
  solutionsToAdd: [],
  solutionsToUpdate: [],
  solutionIdsToRemove: [],
  teamEmailsToAdd: [],
  teamMemberIdsToRemove: [],
});
