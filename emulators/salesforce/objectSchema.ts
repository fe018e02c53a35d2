/** The emulator's model of an org's schema: object and field definitions, as describe reports them. */
export type FieldValue = string | number | boolean | null;
/** A stored record: field API name → value (dates `YYYY-MM-DD`, datetimes in Salesforce's wire format). */
export type SfRecord = Record<string, FieldValue>;

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'double'
  | 'currency'
  | 'percent'
  | 'int'
  | 'picklist'
  | 'multipicklist'
  | 'reference'
  | 'email'
  | 'phone'
  | 'url'
  | 'base64';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  /** Filled by the platform when omitted on create (so not reported as missing). */
  defaultedOnCreate: boolean;
  defaultValue: FieldValue;
  custom: boolean;
  externalId: boolean;
  unique: boolean;
  caseSensitive: boolean;
  picklistValues: string[];
  restrictedPicklist: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  /** Name of the child relationship this lookup creates on the parent (e.g. `Contacts`). */
  childRelationshipName: string | null;
  cascadeDelete: boolean;
  /** Subject to field-level security (custom, not required). */
  fieldLevelSecurity: boolean;
  precision: number;
  scale: number;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  fields: FieldDef[];
}

export interface ChildRelationship {
  relationshipName: string;
  childSObject: string;
  field: string;
  cascadeDelete: boolean;
}

const DEFAULT_FIELD: Omit<FieldDef, 'name' | 'label' | 'type'> = {
  length: 0,
  nillable: true,
  createable: true,
  updateable: true,
  defaultedOnCreate: false,
  defaultValue: null,
  custom: false,
  externalId: false,
  unique: false,
  caseSensitive: false,
  picklistValues: [],
  restrictedPicklist: false,
  referenceTo: [],
  relationshipName: null,
  childRelationshipName: null,
  cascadeDelete: false,
  fieldLevelSecurity: false,
  precision: 0,
  scale: 0,
};

export function field(name: string, label: string, type: FieldType, extra: Partial<FieldDef> = {}): FieldDef {
  const length = extra.length ?? (type === 'string' || type === 'url' || type === 'email' ? 255 : 0);
  return { ...DEFAULT_FIELD, name, label, type, ...extra, length };
}

/** A field the platform computes: readable, never written by callers. */
export function readOnly(
  name: string,
  label: string,
  type: FieldType,
  extra: Partial<FieldDef> = {},
): FieldDef {
  return field(name, label, type, {
    createable: false,
    updateable: false,
    defaultedOnCreate: true,
    ...extra,
  });
}

export function required(
  name: string,
  label: string,
  type: FieldType,
  extra: Partial<FieldDef> = {},
): FieldDef {
  return field(name, label, type, { nillable: false, ...extra });
}

export function lookup(
  name: string,
  label: string,
  referenceTo: string[],
  relationshipName: string,
  extra: Partial<FieldDef> = {},
): FieldDef {
  return field(name, label, 'reference', { length: 18, referenceTo, relationshipName, ...extra });
}

export function picklist(
  name: string,
  label: string,
  values: string[],
  extra: Partial<FieldDef> = {},
): FieldDef {
  return field(name, label, 'picklist', { length: 255, picklistValues: values, ...extra });
}

/** Id, audit and deletion fields every object has. */
export function systemFields(): FieldDef[] {
  return [
    readOnly('Id', 'Record ID', 'id', { length: 18, nillable: false }),
    readOnly('IsDeleted', 'Deleted', 'boolean', { nillable: false }),
    readOnly('CreatedDate', 'Created Date', 'datetime', { nillable: false }),
    readOnly('CreatedById', 'Created By ID', 'reference', {
      length: 18,
      nillable: false,
      referenceTo: ['User'],
      relationshipName: 'CreatedBy',
    }),
    readOnly('LastModifiedDate', 'Last Modified Date', 'datetime', { nillable: false }),
    readOnly('LastModifiedById', 'Last Modified By ID', 'reference', {
      length: 18,
      nillable: false,
      referenceTo: ['User'],
      relationshipName: 'LastModifiedBy',
    }),
    readOnly('SystemModstamp', 'System Modstamp', 'datetime', { nillable: false }),
  ];
}

export function ownerField(): FieldDef {
  return lookup('OwnerId', 'Owner ID', ['User'], 'Owner', { nillable: false, defaultedOnCreate: true });
}

/** Fields a create must carry: not nillable, createable, and without a platform default. */
export function isRequiredOnCreate(def: FieldDef): boolean {
  return !def.nillable && def.createable && !def.defaultedOnCreate && def.type !== 'boolean';
}

/**
 * The value of a field a stored record predates (deployed later, or multi-currency turned on later):
 * checkboxes read as their default and CurrencyIsoCode as the corporate currency; everything else is null.
 */
export function valueForMissingField(def: FieldDef): FieldValue {
  return def.type === 'boolean' || def.name === 'CurrencyIsoCode' ? def.defaultValue : null;
}

/** A setup object the platform fills (RecordType, DuplicateRule, …): read-only, with the system fields. */
export function setupObject(
  name: string,
  label: string,
  labelPlural: string,
  keyPrefix: string,
  fields: FieldDef[],
): ObjectDef {
  return {
    name,
    label,
    labelPlural,
    keyPrefix,
    custom: false,
    createable: false,
    updateable: false,
    deletable: false,
    fields: [...systemFields(), ...fields],
  };
}
