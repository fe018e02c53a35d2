/**
 * Child records of the opportunity (customer contacts with their roles, Microsoft solutions, team members):
 * the domain computes the keyed difference (contacts and team by email, solutions by solution id), this turns
 * it into Salesforce writes, so replays never create duplicates.
 */
import type { CoSellDeal } from '../domain/coSellDeal.ts';
import { contactChanges } from '../domain/mapping/contactChanges.ts';
import { solutionChanges } from '../domain/mapping/solutionChanges.ts';
import { teamChanges } from '../domain/mapping/teamChanges.ts';
import type { SalesforceDealSnapshot } from '../domain/salesforceDealSnapshot.ts';
import type { DealSyncDeps } from './dealSyncContext.ts';
import type { SalesforceChildChanges } from './syncPorts.ts';

export type ChildCollection = 'customerContacts' | 'solutions' | 'partnerTeam';
export const CHILD_COLLECTIONS: readonly ChildCollection[] = ['customerContacts', 'solutions', 'partnerTeam'];

const idOf = (record: Readonly<Record<string, unknown>>, field: string): string | null => {
  const value = record[field];
  return typeof value === 'string' && value !== '' ? value : null;
};
const present = <T>(value: T | null): value is T => value !== null;

/** What must change in Salesforce so its child records match `desired` (for the given collections only). */
export function childChanges(
  deps: Pick<DealSyncDeps, 'mapping'>,
  desired: CoSellDeal,
  existing: SalesforceDealSnapshot | null,
  collections: readonly ChildCollection[],
): SalesforceChildChanges {
  const { mapping } = deps;
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
  if (collections.includes('solutions')) {
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
  if (collections.includes('partnerTeam')) {
    const diff = teamChanges(desired.partnerTeam, existing?.teamMembers ?? [], mapping);
    changes.teamEmailsToAdd = diff.create.map((item) => item.desired.email);
    changes.teamMemberIdsToRemove = diff.delete
      .map((member) => idOf(member.user, 'OpportunityTeamMemberId'))
      .filter(present);
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
  collections: readonly ChildCollection[] = CHILD_COLLECTIONS,
): Promise<SalesforceChildChanges> {
  const wanted = collections.filter(
    (collection) => deps.mapping.fields[collection].direction !== 'toPartnerCenter',
  );
  const changes = childChanges(deps, desired, existing, wanted);
  if (!isEmpty(changes)) await deps.salesforce.applyChildChanges(opportunityId, accountId, changes);
  return changes;
}
