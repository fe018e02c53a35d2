import { emailKey, type PartnerTeamMember } from '../coSellDeal.ts';
import type { SalesforceTeamMember } from '../salesforceDealSnapshot.ts';
import { emailOf } from './contactChanges.ts';
import { type ChildChanges, keyedDiff } from './keyedDiff.ts';
import type { Mapping } from './mappingSchema.ts';

/**
 * Desired partner team vs opportunity team members, matched by the user's lower-cased email.
 * `create.fields` are OpportunityTeamMember fields (role, access level); the caller resolves the User by email.
 * Users are never updated, so `update` only carries a role change when an existing member has a different role.
 */
export function teamChanges(
  desired: readonly PartnerTeamMember[],
  existing: readonly SalesforceTeamMember[],
  mapping: Mapping,
): ChildChanges<PartnerTeamMember, SalesforceTeamMember> {
  if (!mapping.team.enabled) return { create: [], update: [], delete: [] };
  return keyedDiff(desired, existing, {
    desiredKey: (member) => emailKey(member.email),
    existingKey: (member) => emailOf(member.user, 'Email'),
    fieldsOf: () => ({ TeamMemberRole: mapping.team.role }),
    createFieldsOf: () => ({
      TeamMemberRole: mapping.team.role,
      OpportunityAccessLevel: mapping.team.accessLevel,
    }),
    existingValue: (member, name) => (name === 'TeamMemberRole' ? member.role : undefined),
  });
}
