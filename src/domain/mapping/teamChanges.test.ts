import { describe, expect, it } from 'vitest';
import { defaultMapping } from './defaultMapping.ts';
import { mergeWithDefaults } from './mergeWithDefaults.ts';
import { teamChanges } from './teamChanges.ts';

describe('teamChanges', () => {
  const sam = { firstName: 'Sam', lastName: 'Seller', email: 'sam@fabrikam.com', phone: null };

  it('adds members with role and access level, fixes roles, removes members no longer on the team', () => {
    const samMember = { user: { Id: '005A', Email: 'Sam@Fabrikam.com' }, role: 'Sales Manager' };
    const kim = { user: { Id: '005B', Email: 'kim@fabrikam.com' }, role: 'Sales Rep' };
    const lee = { firstName: 'Lee', lastName: null, email: 'lee@fabrikam.com', phone: null };
    const changes = teamChanges([sam, lee], [samMember, kim], defaultMapping);
    expect(changes.create).toEqual([
      { desired: lee, fields: { TeamMemberRole: 'Sales Rep', OpportunityAccessLevel: 'Edit' } },
    ]);
    expect(changes.update).toEqual([
      { existing: samMember, desired: sam, fields: { TeamMemberRole: 'Sales Rep' } },
    ]);
    expect(changes.delete).toEqual([kim]);
  });

  it('does nothing when Team Selling is off in the mapping', () => {
    const mapping = mergeWithDefaults({ team: { enabled: false } });
    if (!mapping.ok) throw new Error('mapping');
    expect(teamChanges([sam], [], mapping.value)).toEqual({ create: [], update: [], delete: [] });
  });
});
