/**
 * Record types of the org realism: the RecordType object and its records, the default record type of new
 * records, the stages an opportunity's sales process allows, and describe's `recordTypeInfos`.
 */
import { field, type ObjectDef, readOnly, type SfRecord, setupObject } from './objectSchema.ts';
import { OPPORTUNITY_STAGES } from './opportunityStages.ts';
import type { RecordTypeConfig } from './orgRealism.ts';
import { makeId } from './salesforceId.ts';

export const MASTER_RECORD_TYPE_ID = '012000000000000AAA';

export function recordTypeId(index: number): string {
  return makeId('012', index + 1);
}

export function recordTypeObject(): ObjectDef {
  return setupObject('RecordType', 'Record Type', 'Record Types', '012', [
    readOnly('Name', 'Record Type Name', 'string', { length: 80 }),
    readOnly('DeveloperName', 'Record Type Name', 'string', { length: 80 }),
    readOnly('SobjectType', 'SObject Type Name', 'picklist', { length: 40 }),
    readOnly('IsActive', 'Active', 'boolean'),
    readOnly('BusinessProcessId', 'Business Process ID', 'string', { length: 18 }),
    field('Description', 'Description', 'string', { createable: false, updateable: false }),
  ]);
}

export function recordTypeRecords(
  configs: readonly RecordTypeConfig[],
  system: (id: string, extra: SfRecord) => SfRecord,
): Record<string, SfRecord> {
  const records: Record<string, SfRecord> = {};
  configs.forEach((config, index) => {
    const id = recordTypeId(index);
    records[id] = system(id, {
      Name: config.label,
      DeveloperName: config.developerName,
      SobjectType: config.object,
      IsActive: config.active,
      BusinessProcessId: config.salesProcess === null ? null : makeId('019', index + 1),
      Description: config.salesProcess === null ? null : `Sales process: ${config.salesProcess}`,
    });
  });
  return records;
}

export interface ResolvedRecordType {
  id: string;
  config: RecordTypeConfig;
}

export function recordTypesOf(
  configs: readonly RecordTypeConfig[],
  objectName: string,
): ResolvedRecordType[] {
  return configs
    .map((config, index) => ({ id: recordTypeId(index), config }))
    .filter((entry) => entry.config.object.toLowerCase() === objectName.toLowerCase());
}

/** The record type new records of this object get: the one marked default, else the first active one. */
export function defaultRecordType(
  configs: readonly RecordTypeConfig[],
  objectName: string,
): ResolvedRecordType | undefined {
  const active = recordTypesOf(configs, objectName).filter((entry) => entry.config.active);
  return active.find((entry) => entry.config.default) ?? active[0];
}

/** The stages a record type's sales process allows (all stages when it names none). */
export function stagesOf(recordType: ResolvedRecordType | undefined): string[] {
  return recordType?.config.stages ?? OPPORTUNITY_STAGES.map((stage) => stage.apiName);
}

/** describe's `recordTypeInfos` for the running user (every record type is available to every user). */
export function recordTypeInfos(
  configs: readonly RecordTypeConfig[],
  object: ObjectDef,
  version: string,
): Array<Record<string, unknown>> {
  const types = recordTypesOf(configs, object.name);
  if (types.length === 0) return [];
  const fallback = defaultRecordType(configs, object.name);
  const info = (id: string, name: string, developerName: string, active: boolean, master: boolean) => ({
    active,
    available: active,
    defaultRecordTypeMapping: master ? fallback === undefined : fallback?.id === id,
    developerName,
    master,
    name,
    recordTypeId: id,
    urls: { layout: `/services/data/${version}/sobjects/${object.name}/describe/layouts/${id}` },
  });
  return [
    ...types.map((entry) =>
      info(entry.id, entry.config.label, entry.config.developerName, entry.config.active, false),
    ),
    info(MASTER_RECORD_TYPE_ID, 'Master', 'Master', true, true),
  ];
}
