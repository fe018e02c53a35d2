import { describe, expect, it } from 'vitest';
import { contactChanges } from './contactChanges.ts';
import { defaultMapping } from './defaultMapping.ts';
import { mergeWithDefaults } from './mergeWithDefaults.ts';
import { solutionChanges } from './solutionChanges.ts';
import { teamChanges } from './teamChanges.ts';

describe('contactChanges', () => {
  const ada = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.com', phone: null, title: 'CTO' };
  const grace = {
    firstName: 'Grace',
    lastName: 'Hopper',
    email: 'grace@contoso.com',
    phone: null,
    title: null,
  };
  const role = (contact: Record<string, unknown>) => ({ contact, role: 'Business User', isPrimary: false });

  it('creates missing contacts, updates changed ones by email (any case) and removes roles no longer wanted', () => {
    const existingAda = role({
      Id: '003A',
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Email: 'ADA@contoso.com',
      Title: 'CEO',
    });
    const existingAlan = role({
      Id: '003B',
      FirstName: 'Alan',
      LastName: 'Turing',
      Email: 'alan@contoso.com',
    });
    const changes = contactChanges([ada, grace], [existingAda, existingAlan], defaultMapping);
    expect(changes.create).toEqual([
      {
        desired: grace,
        fields: {
          FirstName: 'Grace',
          LastName: 'Hopper',
          Email: 'grace@contoso.com',
          Phone: null,
          Title: null,
        },
      },
    ]);
    expect(changes.update).toEqual([
      { existing: existingAda, desired: ada, fields: { Email: 'ada@contoso.com', Title: 'CTO' } },
    ]);
    expect(changes.delete).toEqual([existingAlan]);
  });

  it('has nothing to do when Salesforce already matches', () => {
    const existing = role({
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Email: 'ada@contoso.com',
      Phone: null,
      Title: 'CTO',
    });
    expect(contactChanges([ada], [existing], defaultMapping)).toEqual({ create: [], update: [], delete: [] });
  });
});

describe('solutionChanges', () => {
  it('diffs solution records by solution id and removes duplicates', () => {
    const keep = {
      Id: 'a01',
      Solution_Id__c: 'SOL-1',
      Solution_Name__c: 'Migrate',
      Publisher__c: 'Fabrikam',
    };
    const duplicate = { ...keep, Id: 'a02' };
    const renamed = { Id: 'a03', Solution_Id__c: 'SOL-2', Solution_Name__c: 'Old', Publisher__c: null };
    const changes = solutionChanges(
      [
        { id: 'SOL-1', name: 'Migrate', publisher: 'Fabrikam' },
        { id: 'SOL-2', name: 'New', publisher: null },
        { id: 'SOL-3', name: 'Third', publisher: 'Contoso' },
      ],
      [keep, duplicate, renamed],
      defaultMapping,
    );
    expect(changes.create.map((item) => item.fields)).toEqual([
      { Solution_Id__c: 'SOL-3', Solution_Name__c: 'Third', Publisher__c: 'Contoso' },
    ]);
    expect(changes.update.map((item) => [item.existing, item.fields])).toEqual([
      [renamed, { Solution_Name__c: 'New' }],
    ]);
    expect(changes.delete).toEqual([duplicate]);
  });
});

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
