/** The DuplicateRule object of the org realism: its active rules are queryable by SOQL, as in a real org. */
import { type ObjectDef, readOnly, type SfRecord, setupObject } from './objectSchema.ts';
import type { DuplicateRule } from './orgRealism.ts';
import { makeId } from './salesforceId.ts';

export function duplicateRuleObject(): ObjectDef {
  return setupObject('DuplicateRule', 'Duplicate Rule', 'Duplicate Rules', '0Bm', [
    readOnly('DeveloperName', 'Rule Name', 'string', { length: 80 }),
    readOnly('MasterLabel', 'Label', 'string', { length: 80 }),
    readOnly('SobjectType', 'Object', 'picklist', { length: 40 }),
    readOnly('IsActive', 'Active', 'boolean'),
  ]);
}

export function duplicateRuleRecords(
  rules: readonly DuplicateRule[],
  system: (id: string, extra: SfRecord) => SfRecord,
): Record<string, SfRecord> {
  const records: Record<string, SfRecord> = {};
  rules.forEach((rule, index) => {
    const id = makeId('0Bm', index + 1);
    records[id] = system(id, {
      DeveloperName: rule.name,
      MasterLabel: rule.name.replace(/_/g, ' '),
      SobjectType: rule.object,
      IsActive: rule.active,
    });
  });
  return records;
}
