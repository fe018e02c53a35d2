/** Stored records → REST JSON: `attributes` first, then fields in describe order. */
import {
  type FieldDef,
  type FieldValue,
  type ObjectDef,
  type SfRecord,
  valueForMissingField,
} from './objectSchema.ts';
import type { FieldAccess, OrgSchema } from './orgSchema.ts';

export type WireRecord = Record<string, unknown>;

export function recordUrl(version: string, objectName: string, id: unknown): string {
  return `/services/data/${version}/sobjects/${objectName}/${String(id)}`;
}

export function attributesOf(
  version: string,
  objectName: string,
  id: unknown,
): { type: string; url: string } {
  return { type: objectName, url: recordUrl(version, objectName, id) };
}

/** The value as the API reports it (base64 fields are served as a blob URL). */
/** A record's stored value for a field, or what a record older than the field reads as. */
export function storedValue(record: SfRecord, def: FieldDef): FieldValue {
  const value = record[def.name];
  return value === undefined ? valueForMissingField(def) : value;
}

export function wireValue(version: string, objectName: string, record: SfRecord, def: FieldDef): FieldValue {
  const value = storedValue(record, def);
  if (def.type === 'base64' && value !== null)
    return `${recordUrl(version, objectName, record['Id'])}/${def.name}`;
  return value;
}

export function toWire(
  schema: OrgSchema,
  object: ObjectDef,
  record: SfRecord,
  access: FieldAccess,
  version: string,
  onlyFields?: FieldDef[],
): WireRecord {
  const wire: WireRecord = { attributes: attributesOf(version, object.name, record['Id']) };
  for (const def of onlyFields ?? schema.visibleFields(object, access)) {
    wire[def.name] = wireValue(version, object.name, record, def);
  }
  return wire;
}
