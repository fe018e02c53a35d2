import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { defaultMapping } from './defaultMapping.ts';
import { parseMappingFile } from './parseMappingFile.ts';

describe('parseMappingFile', () => {
  it('gives the default mapping for an empty file', () => {
    expect(parseMappingFile('', 'cosell-mapping.yaml')).toEqual({ ok: true, value: defaultMapping });
  });

  it('reads back the default mapping written out in full', () => {
    expect(parseMappingFile(stringify(defaultMapping), 'full.yaml')).toEqual({
      ok: true,
      value: defaultMapping,
    });
  });

  it('merges a partial file over the defaults', () => {
    const result = parseMappingFile(
      [
        'fields:',
        '  referralId:',
        '    salesforceField: Referral_Identfier__c',
        '  name:',
        '    conflict: salesforce',
        'stages:',
        '  accept: Needs Analysis',
        'nameStatusMark: true',
      ].join('\n'),
      'cosell-mapping.yaml',
    );
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    expect(result.value.fields.referralId).toEqual({
      salesforceField: 'Referral_Identfier__c',
      direction: 'toSalesforce',
      conflict: 'partnerCenter',
    });
    expect(result.value.fields.name).toEqual({
      salesforceField: 'Name',
      direction: 'both',
      conflict: 'salesforce',
    });
    expect(result.value.stages.accept).toBe('Needs Analysis');
    expect(result.value.stages.onHold).toBe('Prospecting');
    expect(result.value.nameStatusMark).toBe(true);
  });

  it('reports every problem at once with file, line, column, path and a fix', () => {
    const text = [
      'fields:', //                     1
      '  dealValue:', //                2
      '    direction: sideways', //     3
      '  nmae:', //                     4
      '    salesforceField: Name', //   5
      'stages:', //                     6
      '  onHold: Closed Won', //        7
      'transforms:', //                 8
      '  salesforce:', //               9
      '    Region__c: "deal.(("', //    10
    ].join('\n');
    const result = parseMappingFile(text, 'map.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byPath = Object.fromEntries(result.error.map((problem) => [problem.path, problem]));
    expect(byPath['fields.dealValue.direction']).toMatchObject({
      line: 3,
      column: 16,
      reason: 'invalid_value',
    });
    expect(byPath['fields.nmae']).toMatchObject({ line: 4, column: 3, reason: 'unknown_key' });
    expect(byPath['fields.nmae']?.message).toBe(
      'map.yaml:4:3 Unknown key "nmae" at fields.nmae: did you mean "name"?',
    );
    expect(byPath['stages.onHold']).toMatchObject({ line: 7, column: 11 });
    expect(byPath['stages.onHold']?.message).toContain('choose an open stage');
    expect(byPath['transforms.salesforce.Region__c']).toMatchObject({ line: 10 });
    expect(byPath['transforms.salesforce.Region__c']?.message).toMatch(
      /Fix the JSONata expression: (?!\[object Object\])\S/,
    );
    expect(result.error).toHaveLength(4);
    expect(result.error.map((problem) => problem.line)).toEqual([3, 4, 7, 10]);
  });

  it('suggests nothing when an unknown key is not close to a known one', () => {
    const result = parseMappingFile('webhooks:\n  url: x\n', 'map.yaml');
    expect(result).toMatchObject({
      ok: false,
      error: [{ message: 'map.yaml:1:1 Unknown key "webhooks" at webhooks: remove it or fix its spelling' }],
    });
  });

  it('points at YAML syntax errors', () => {
    const result = parseMappingFile('fields:\n  name: [unclosed\n', 'bad.yaml');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error[0]).toMatchObject({ reason: 'syntax', code: 'mapping_invalid' });
      expect(result.error[0]?.message).toMatch(/^bad\.yaml:\d+:\d+ is not valid YAML/);
    }
  });

  it('refuses a file that is a list', () => {
    const result = parseMappingFile('- a\n- b\n', 'list.yaml');
    expect(result).toMatchObject({ ok: false, error: [{ line: 1, column: 1 }] });
  });
});
