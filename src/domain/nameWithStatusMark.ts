import type { Mapping } from './mapping/mappingSchema.ts';

/** Marks appended to the opportunity name after a sync: success and failure. */
export const statusMarks = { ok: '✔', failed: '✖' } as const;

/** Salesforce Opportunity.Name is at most 120 characters. */
const maxNameLength = 120;

/** The name without a trailing ✔ / ✖ mark (and the space before it). */
export const stripStatusMark = (name: string): string => name.replace(/\s*[✔✖]\s*$/u, '');

/**
 * The opportunity name to write: the name without any old mark, plus ` ✔` (ok) or ` ✖` (failed) when the mapping's
 * `nameStatusMark` is on. The name is shortened so the result fits Salesforce's 120 characters.
 */
export function nameWithStatusMark(
  name: string,
  ok: boolean,
  mapping: Pick<Mapping, 'nameStatusMark'>,
): string {
  const bare = stripStatusMark(name);
  if (!mapping.nameStatusMark) return bare.slice(0, maxNameLength);
  const mark = ` ${ok ? statusMarks.ok : statusMarks.failed}`;
  return `${bare.slice(0, maxNameLength - mark.length)}${mark}`;
}
