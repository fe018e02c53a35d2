/**
 * Child records of the opportunity (customer contacts with their roles, Microsoft solutions, team members):
 * the difference between what the merged deal says and what Salesforce holds, applied as keyed sets
 * (contacts and team by email, solutions by solution id) so replays never create duplicates.
 */
import { type CoSellDeal, emailKey } from '../domain/coSellDeal.ts';
import type { SalesforceDealSnapshot } from '../domain/salesforceDealSnapshot.ts';
import type { DealSyncDeps } from './dealSyncContext.ts';
import type { SalesforceChildChanges } from './syncPorts.ts';

type Collection = 'customerContacts' | 'solutions' | 'partnerTeam';

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** What must change in Salesforce so its child records match `desired` (for the given collections only). */
export function childChanges(
  deps: Pick<DealSyncDeps, 'mapping'>,
  desired: CoSellDeal,
  existing: SalesforceDealSnapshot | null,
  collections: readonly Collection[],
): SalesforceChildChanges {
  const { contacts, solutions } = deps.mapping;
  const changes: SalesforceChildChanges = {
    contactsToAdd: [],
    contactsToUpdate: [],
    contactRolesToRemove: [],
    solutionsToAdd: [],
    solutionsToUpdate: [],
    solutionIdsToRemove: [],
    teamEmailsToAdd: [],
    teamMemberIdsToRemove: [],
  };

  if (collections.includes('customerContacts')) {
    const held = new Map(
      (existing?.contactRoles ?? []).map((role) => [
        emailKey(String(role.contact[contacts.emailField] ?? '')),
        role,
      ]),
    );
    for (const contact of desired.customerContacts) {
      const key = emailKey(contact.email);
      const fields: Record<string, unknown> = {
        [contacts.firstNameField]: contact.firstName,
        [contacts.lastNameField]: contact.lastName ?? contact.email,
        [contacts.emailField]: contact.email,
      };
      if (contacts.phoneField) fields[contacts.phoneField] = contact.phone;
      if (contacts.titleField) fields[contacts.titleField] = contact.title;
      const role = held.get(key);
      if (!role) {
        changes.contactsToAdd.push(fields);
        continue;
      }
      held.delete(key);
      const differs = Object.entries(fields).some(
        ([field, value]) => (role.contact[field] ?? null) !== (value ?? null),
      );
      const contactId = text(role.contact['Id']);
      if (differs && contactId) changes.contactsToUpdate.push({ contactId, fields });
    }
    for (const role of held.values()) {
      const roleId = text(role.contact['OpportunityContactRoleId']);
      if (roleId) changes.contactRolesToRemove.push(roleId);
    }
  }

  if (collections.includes('solutions')) {
    const held = new Map(
      (existing?.solutions ?? []).map((record) => [String(record[solutions.idField] ?? ''), record]),
    );
    for (const solution of desired.solutions) {
      const fields: Record<string, unknown> = {
        [solutions.idField]: solution.id,
        [solutions.nameField]: solution.name,
      };
      if (solutions.publisherField) fields[solutions.publisherField] = solution.publisher;
      const record = held.get(solution.id);
      if (!record) {
        changes.solutionsToAdd.push(fields);
        continue;
      }
      held.delete(solution.id);
      const differs = Object.entries(fields).some(
        ([field, value]) => (record[field] ?? null) !== (value ?? null),
      );
      const id = text(record['Id']);
      if (differs && id) changes.solutionsToUpdate.push({ id, fields });
    }
    for (const record of held.values()) {
      const id = text(record['Id']);
      if (id) changes.solutionIdsToRemove.push(id);
    }
  }

  if (collections.includes('partnerTeam') && deps.mapping.team.enabled) {
    const held = new Map(
      (existing?.teamMembers ?? []).map((member) => [emailKey(String(member.user['Email'] ?? '')), member]),
    );
    for (const member of desired.partnerTeam) {
      const key = emailKey(member.email);
      if (held.has(key)) held.delete(key);
      else changes.teamEmailsToAdd.push(member.email);
    }
    for (const member of held.values()) {
      const id = text(member.user['OpportunityTeamMemberId']);
      if (id) changes.teamMemberIdsToRemove.push(id);
    }
  }
  return changes;
}

const isEmpty = (changes: SalesforceChildChanges): boolean =>
  Object.values(changes).every((list) => list.length === 0);

/** Applies the child-record difference for the collections that flow to Salesforce. */
export async function applyChildChangesFor(
  deps: DealSyncDeps,
  opportunityId: string,
  accountId: string | null,
  desired: CoSellDeal,
  existing: SalesforceDealSnapshot | null,
  collections: readonly Collection[] = ['customerContacts', 'solutions', 'partnerTeam'],
): Promise<SalesforceChildChanges> {
  const wanted = collections.filter(
    (collection) => deps.mapping.fields[collection].direction !== 'toPartnerCenter',
  );
  const changes = childChanges(deps, desired, existing, wanted);
  if (!isEmpty(changes)) await deps.salesforce.applyChildChanges(opportunityId, accountId, changes);
  return changes;
}
