/**
 * One deal held in memory on both sides, for property tests of the planner: the referral as Partner Center stores
 * it (a JSON document), the Salesforce records (opportunity, account, contacts and their roles, Microsoft solution
 * records, team members, the org's users) and the link. `dealSyncRound` is one sync of the deal as `syncDealBatch`
 * and `applyDealPlans` run it: plan, then the Partner Center write through the emulator's own JSON Patch (a new
 * referral through its template), the Salesforce writes record by record as the gateway makes them
 * (`applySalesforceWrites`: a contact found by email is reused, a team member needs a user with that email), and
 * the link.
 */
import { applyJsonPatch } from '../../emulators/partner-center/jsonPatch.ts';
import type { JsonObject } from '../../emulators/partner-center/referralRules.ts';
import { fillReferral } from '../../emulators/partner-center/referralTemplate.ts';
import type { CoSellDeal } from '../../src/domain/coSellDeal.ts';
import type {
  DealPlan,
  DealPlanInput,
  LinkUpdate,
  PlanLink,
  SalesforceWrites,
} from '../../src/domain/dealPlan.ts';
import { dealFromReferral } from '../../src/domain/mapping/dealFromReferral.ts';
import { dealFromSalesforce } from '../../src/domain/mapping/dealFromSalesforce.ts';
import type { Mapping } from '../../src/domain/mapping/mappingSchema.ts';
import { salesforceView } from '../../src/domain/mapping/salesforceView.ts';
import { planDeal } from '../../src/domain/planDeal.ts';
import type { ReferralInput } from '../../src/domain/referralInput.ts';
import type { SalesforceDealSnapshot } from '../../src/domain/salesforceDealSnapshot.ts';

type SfRecord = Record<string, unknown>;

/** The Salesforce records of one deal, as tables (ids as Salesforce gives them). */
export interface MemoryOrg {
  opportunity: SfRecord | null;
  account: SfRecord | null;
  /** Every contact of the org: one removed from the opportunity stays, and is reused when its email comes back. */
  contacts: SfRecord[];
  contactRoles: { Id: string; ContactId: string; Role: string }[];
  solutions: SfRecord[];
  teamMembers: { Id: string; UserId: string; TeamMemberRole: string }[];
  users: readonly SfRecord[];
  /** ContentNotes on the opportunity, by title. */
  notes: Record<string, string>;
}

export interface MemoryDeal {
  referral: JsonObject | null;
  org: MemoryOrg;
  link: PlanLink | null;
  /** Logical clock: every change on either side happens one second after the previous one. */
  tick: number;
  /** Record ids handed out so far. */
  ids: number;
}

const START_MS = Date.parse('2026-12-01T09:00:00Z');
export const instantOf = (tick: number): string => new Date(START_MS + tick * 1000).toISOString();

/** An org with these users (partner sellers) and nothing else. */
export const emptyOrg = (users: readonly SfRecord[]): MemoryOrg => ({
  opportunity: null,
  account: null,
  contacts: [],
  contactRoles: [],
  solutions: [],
  teamMembers: [],
  users,
  notes: {},
});

const emailKey = (value: unknown): string => (typeof value === 'string' ? value.trim().toLowerCase() : '');

/** The opportunity with its related records, read as the gateway reads them. */
export function snapshotOf(org: MemoryOrg, mapping: Mapping): SalesforceDealSnapshot {
  const contactById = new Map(org.contacts.map((contact) => [contact['Id'], contact]));
  const userById = new Map(org.users.map((user) => [user['Id'], user]));
  return {
    opportunity: { ...org.opportunity },
    account: org.account && { ...org.account },
    contactRoles: org.contactRoles.map((role) => ({
      contact: { ...contactById.get(role.ContactId), OpportunityContactRoleId: role.Id },
      role: role.Role,
      isPrimary: false,
    })),
    solutions: org.solutions.map((record) => ({ ...record })),
    teamMembers: org.teamMembers.map((member) => ({
      user: { ...userById.get(member.UserId), OpportunityTeamMemberId: member.Id },
      role: member.TeamMemberRole,
    })),
    ...(mapping.notes.target === 'contentNote' ? { notes: org.notes[mapping.notes.noteTitle] ?? null } : {}),
  };
}

/** What `planDeal` is given for this deal (as `planInputOf` builds it from a read). */
export function planInputOf(deal: MemoryDeal, mapping: Mapping, trigger = 'poll'): DealPlanInput {
  const { referral, org } = deal;
  const opportunity = org.opportunity;
  return {
    link: deal.link,
    referral: referral && {
      id: String(referral['id']),
      eTag: String(referral['eTag']),
      updatedDateTime: String(referral['updatedDateTime']),
      engagementId: typeof referral['engagementId'] === 'string' ? referral['engagementId'] : null,
      type: typeof referral['type'] === 'string' ? referral['type'] : null,
      input: referral as ReferralInput,
      raw: referral,
    },
    related: [],
    opportunity: opportunity && {
      opportunityId: String(opportunity['Id']),
      systemModstamp: String(opportunity['SystemModstamp']),
      lastModifiedAt: String(opportunity['LastModifiedDate']),
      syncEnabled: opportunity[mapping.opportunity.syncFlagField] === true,
      snapshot: snapshotOf(org, mapping),
    },
    mapping,
    org: { notesAvailable: true },
    trigger,
    now: new Date(instantOf(deal.tick)),
  };
}

/** A copy to change: plans are applied to copies, so a deal value a test holds never changes under it. */
const copyOf = (deal: MemoryDeal): MemoryDeal => structuredClone(deal);

const nextId = (deal: MemoryDeal, prefix: string): string => {
  deal.ids += 1;
  return `${prefix}${String(deal.ids).padStart(15, '0')}`;
};

/** A change on the Partner Center side: the document as Partner Center stores it after a write (new eTag). */
export function touchReferral(deal: MemoryDeal, referral: JsonObject): void {
  deal.tick += 1;
  deal.referral = { ...referral, eTag: `W/"${deal.tick}"`, updatedDateTime: instantOf(deal.tick) };
}

/** A write to the opportunity record itself (Salesforce stamps it; child records do not). */
export function touchOpportunity(deal: MemoryDeal, fields: SfRecord): void {
  deal.tick += 1;
  deal.org.opportunity = {
    ...deal.org.opportunity,
    ...fields,
    LastModifiedDate: instantOf(deal.tick),
    SystemModstamp: instantOf(deal.tick),
  };
}

/** Salesforce writes of one deal, in the gateway's order: account, opportunity, child records, notes. */
export function applySalesforceWrites(deal: MemoryDeal, writes: SalesforceWrites, mapping: Mapping): void {
  const { org } = deal;
  const write = writes.opportunity;
  if (write?.op === 'create') {
    if (writes.account) org.account = { ...writes.account.fields, Id: nextId(deal, '001') };
    const referralIdField = mapping.fields.referralId.salesforceField ?? 'Partner_Center_Referral_Id__c';
    touchOpportunity(deal, {
      ...write.fields,
      Id: nextId(deal, '006'),
      [referralIdField]: write.referralId,
      AccountId: org.account?.['Id'] ?? null,
    });
  } else if (write?.op === 'update') {
    if (org.opportunity?.['Id'] !== write.opportunityId) throw new Error('update of another opportunity');
    const linked = writes.accountId !== null && org.account?.['Id'] === writes.accountId;
    if (writes.account && linked) Object.assign(org.account!, writes.account.fields);
    if (writes.account && !linked) org.account = { ...writes.account.fields, Id: nextId(deal, '001') };
    touchOpportunity(deal, {
      ...write.fields,
      ...(writes.account && !linked ? { AccountId: org.account?.['Id'] } : {}),
    });
  }
  const children = writes.children;
  if (children && org.opportunity) {
    const emailField = mapping.contacts.emailField;
    for (const fields of children.contactsToAdd) {
      const email = emailKey(fields[emailField]);
      let contact = org.contacts.find((candidate) => emailKey(candidate[emailField]) === email);
      if (!contact) {
        contact = { ...fields, Id: nextId(deal, '003'), AccountId: org.account?.['Id'] ?? writes.accountId };
        org.contacts.push(contact);
      } else if (write?.op === 'update') Object.assign(contact, fields);
      org.contactRoles.push({
        Id: nextId(deal, '00K'),
        ContactId: String(contact['Id']),
        Role: mapping.contacts.role,
      });
    }
    for (const update of children.contactsToUpdate) {
      const contact = org.contacts.find((candidate) => candidate['Id'] === update.contactId);
      if (!contact) throw new Error(`update of unknown contact ${update.contactId}`);
      Object.assign(contact, update.fields);
    }
    for (const fields of children.solutionsToAdd) org.solutions.push({ ...fields, Id: nextId(deal, 'a0S') });
    for (const update of children.solutionsToUpdate) {
      const record = org.solutions.find((candidate) => candidate['Id'] === update.id);
      if (!record) throw new Error(`update of unknown solution record ${update.id}`);
      Object.assign(record, update.fields);
    }
    for (const email of children.teamEmailsToAdd) {
      // No user with that email: the partner seller stays on the referral only (as the gateway does).
      const user = org.users.find((candidate) => emailKey(candidate['Email']) === emailKey(email));
      if (user)
        org.teamMembers.push({
          Id: nextId(deal, '00q'),
          UserId: String(user['Id']),
          TeamMemberRole: mapping.team.role,
        });
    }
    const removed = new Set([
      ...children.contactRolesToRemove,
      ...children.solutionIdsToRemove,
      ...children.teamMemberIdsToRemove,
    ]);
    org.contactRoles = org.contactRoles.filter((role) => !removed.has(role.Id));
    org.solutions = org.solutions.filter((record) => !removed.has(String(record['Id'])));
    org.teamMembers = org.teamMembers.filter((member) => !removed.has(member.Id));
  }
  if (org.opportunity) for (const note of writes.notes) org.notes[note.title] = note.text;
}

/** Partner Center writes of one deal: a JSON Patch as the emulator applies it, or a new referral. */
function applyPartnerCenterWrite(deal: MemoryDeal, write: NonNullable<DealPlan['partnerCenter']>): void {
  if (write.op === 'create') {
    // As Partner Center stores a referral a partner creates (the emulator's template): ids, Active/Accepted, outgoing.
    const id = `ref-${nextId(deal, '')}`;
    touchReferral(
      deal,
      fillReferral({
        ...write.body,
        id,
        engagementId: `eng-${id}`,
        status: 'Active',
        substatus: 'Accepted',
        direction: 'Outgoing',
        links: { self: { uri: `https://api.partner.microsoft.com/v1.0/engagements/referrals/${id}` } },
        inviteContext: {
          ...(write.body['inviteContext'] as object),
          invitedBy: { organizationId: 'partner-org-1' },
        },
      }),
    );
    return;
  }
  if (!deal.referral || deal.referral['id'] !== write.referralId)
    throw new Error('patch of another referral');
  const patched = applyJsonPatch(deal.referral, write.operations);
  if (!patched.ok) throw new Error(`Partner Center refuses the patch: ${patched.message}`);
  touchReferral(deal, patched.document);
}

/** The link after a plan: its update, with what applying learned (the ids of created records, as the sync does). */
function applyLinkUpdate(deal: MemoryDeal, update: LinkUpdate | null): void {
  if (!update) return;
  const current: PlanLink = deal.link ?? {
    id: 'link-1',
    referralId: null,
    opportunityId: null,
    salesforceObject: 'opportunity',
    state: 'pending',
    lastError: null,
    base: null,
  };
  const defined = Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined));
  deal.link = {
    ...current,
    ...(defined as Partial<PlanLink>),
    opportunityId: deal.org.opportunity
      ? String(deal.org.opportunity['Id'])
      : (update.opportunityId ?? current.opportunityId),
    referralId: deal.referral ? String(deal.referral['id']) : (update.referralId ?? current.referralId),
  };
}

/**
 * One sync of the deal, as `syncDealBatch` and `applyDealPlans` run it: plan; write Partner Center (a new referral
 * is followed by the plan that merges it against the deal just sent, whose writes replace the first plan's);
 * write Salesforce; store the link. A new opportunity gets its follow-up sync at once (the sync settles created
 * opportunities in the same run). Returns the deal after it and every plan made.
 */
export async function dealSyncRound(
  start: MemoryDeal,
  mapping: Mapping,
): Promise<{ deal: MemoryDeal; plans: DealPlan[] }> {
  const deal = copyOf(start);
  const plan = await planDeal(planInputOf(deal, mapping));
  let final = plan;
  if (plan.lead !== null) throw new Error('leads are synced by their own use case');
  if (plan.partnerCenter?.op === 'create') {
    const read = planInputOf(deal, mapping);
    applyPartnerCenterWrite(deal, plan.partnerCenter);
    const link: PlanLink = {
      id: 'link-1',
      referralId: String(deal.referral?.['id']),
      opportunityId: read.opportunity?.opportunityId ?? null,
      salesforceObject: 'opportunity',
      state: 'synced',
      lastError: null,
      base: plan.merged,
    };
    final = await planDeal({ ...planInputOf(deal, mapping), link, opportunity: read.opportunity });
    if (final.partnerCenter?.op === 'patch') applyPartnerCenterWrite(deal, final.partnerCenter);
  } else if (plan.partnerCenter) applyPartnerCenterWrite(deal, plan.partnerCenter);
  if (final.salesforce) applySalesforceWrites(deal, final.salesforce, mapping);
  applyLinkUpdate(deal, final.link ?? plan.link);
  const plans = final === plan ? [plan] : [plan, final];
  if (plan.action !== 'create_opportunity') return { deal, plans };
  const settled = await dealSyncRound(deal, mapping);
  return { deal: settled.deal, plans: [...plans, ...settled.plans] };
}

/** A plan that changes nothing on either side and records no change. */
export const isQuiet = (plan: DealPlan): boolean =>
  plan.partnerCenter === null &&
  plan.salesforce === null &&
  plan.toSalesforce.length === 0 &&
  plan.toPartnerCenter.length === 0 &&
  (plan.audit?.changes.length ?? 0) === 0;

/**
 * Both sides as canonical deals, and the link's base. Salesforce's deal is seen as the merge sees it: attributes
 * the org has no column for are taken from Partner Center (or the base).
 */
export function dealSides(
  deal: MemoryDeal,
  mapping: Mapping,
): {
  partnerCenter: CoSellDeal | null;
  salesforce: CoSellDeal | null;
  /** Salesforce's deal exactly as read (no attribute taken from elsewhere). */
  salesforceRead: CoSellDeal | null;
  base: CoSellDeal | null;
} {
  const base = (deal.link?.base as CoSellDeal | null | undefined) ?? null;
  const partnerCenter = deal.referral && dealFromReferral(deal.referral, mapping);
  const read = deal.org.opportunity && dealFromSalesforce(snapshotOf(deal.org, mapping), mapping);
  const salesforce = read && partnerCenter ? salesforceView(read, partnerCenter, base, mapping) : read;
  return { partnerCenter, salesforce, salesforceRead: read, base };
}
