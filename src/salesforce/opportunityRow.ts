/**
 * Lenient schemas for the rows the deal query returns: the opportunity with its account, owner and the three
 * child subqueries. Unknown fields pass through untouched; a missing or odd subquery reads as empty.
 */
import { z } from 'zod';

const record = z.record(z.string(), z.unknown());
export const subquery = z
  .object({ records: z.array(record).nullish() })
  .passthrough()
  .nullish()
  .transform((value) => value?.records ?? []);
const text = z.unknown().transform((value) => (typeof value === 'string' && value !== '' ? value : null));

export const contactRoleRow = z
  .object({ Id: text, Role: text, IsPrimary: z.unknown(), Contact: record.nullish() })
  .passthrough();
export const teamMemberRow = z
  .object({ Id: text, TeamMemberRole: text, User: record.nullish() })
  .passthrough();

/** The deal query's row (the solution subquery, named from describe, is read with `subquery`). */
export const opportunityRow = z
  .object({
    Id: z.string(),
    SystemModstamp: text,
    LastModifiedDate: text,
    Account: record.nullish(),
    Owner: record.nullish(),
    OpportunityContactRoles: subquery,
    OpportunityTeamMembers: subquery,
  })
  .passthrough();
export type OpportunityRow = z.output<typeof opportunityRow>;

/** Keys of the row that are not opportunity fields. */
export const relationshipKeys = (solutionRelationship: string): ReadonlySet<string> =>
  new Set([
    'attributes',
    'Account',
    'Owner',
    'OpportunityContactRoles',
    'OpportunityTeamMembers',
    solutionRelationship,
  ]);
