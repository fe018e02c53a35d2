import { describe, expect, it } from 'vitest';
import { defaultMapping } from './defaultMapping.ts';
import { solutionChanges } from './solutionChanges.ts';

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
