import { describe, expect, it } from 'vitest';
import { contactChanges } from './contactChanges.ts';
import { defaultMapping } from './defaultMapping.ts';

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
