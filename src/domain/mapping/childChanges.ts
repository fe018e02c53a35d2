/**
 * Child records of the opportunity (customer contacts with their roles, Microsoft solutions, team members): the
 * keyed difference (contacts and team by email, solutions by solution id) as Salesforce writes, so replays never
 * create duplicates.
 */
import type { CoSellDeal } from '../coSellDeal.ts';
import { noChildChanges, type SalesforceChildChanges } from '../dealPlan.ts';
import type { SalesforceDealSnapshot } from '../salesforceDealSnapshot.ts';
import { contactChanges } from './contactChanges.ts';
import type { Mapping } from './mappingSchema.ts';
import { solutionChanges } from './solutionChanges.ts';
import { teamChanges } from './teamChanges.ts';

export type ChildCollection = 'customerContacts' | 'solutions' | 'partnerTeam';
export const CHILD_COLLECTIONS: readonly ChildCollection[] = ['customerContacts', 'solutions', 'partnerTeam'];

const idOf = (record: Readonly<Record<string, unknown>>, field: string): string | null => {
  const value = record[field];
  return typeof value === 'string' && value !== '' ? value : null;
};
const present = <T>(value: T | null): value is T => value !== null;

/**
 * What must change in Salesforce so its child records match `desired`, for the given collections that flow to
 * Salesforce (a collection mapped `toPartnerCenter` only is never written there).
 */
export function childChanges(
  mapping: Mapping,
  desired: CoSellDeal,
  existing: SalesforceDealSnapshot | null,
  collections: readonly ChildCollection[] = CHILD_COLLECTIONS,
): SalesforceChildChanges {
  const wanted = collections.filter(
    (collection) => mapping.fields[collection].direction !== 'toPartnerCenter',
  );
  const changes = noChildChanges();
  if (wanted.includes('customerContacts')) {
    const diff = contactChanges(desired.customerContacts, existing?.contactRoles ?? [], mapping);
    changes.contactsToAdd = diff.create.map((item) => item.fields);
    changes.contactsToUpdate = diff.update
      .map((item) => {
        const contactId = idOf(item.existing.contact, 'Id');
        return contactId ? { contactId, fields: item.fields } : null;
      })
      .filter(present);
    changes.contactRolesToRemove = diff.delete
      .map((role) => idOf(role.contact, 'OpportunityContactRoleId'))
      .filter(present);
  }
  if (wanted.includes('solutions')) {
    const diff = solutionChanges(desired.solutions, existing?.solutions ?? [], mapping);
    changes.solutionsToAdd = diff.create.map((item) => item.fields);
    changes.solutionsToUpdate = diff.update
      .map((item) => {
        const id = idOf(item.existing, 'Id');
        return id ? { id, fields: item.fields } : null;
      })
      .filter(present);
    changes.solutionIdsToRemove = diff.delete.map((record) => idOf(record, 'Id')).filter(present);
  }
  if (wanted.includes('partnerTeam')) {
    const diff = teamChanges(desired.partnerTeam, existing?.teamMembers ?? [], mapping);
    changes.teamEmailsToAdd = diff.create.map((item) => item.desired.email);
    changes.teamMemberIdsToRemove = diff.delete
      .map((member) => idOf(member.user, 'OpportunityTeamMemberId'))
      .filter(present);
  }
  return changes;
}
