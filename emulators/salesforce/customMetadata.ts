/**
 * Deployed metadata (custom objects, custom fields, permission sets) as the emulator stores it, and its
 * translation into schema definitions.
 */
import {
  type FieldDef,
  type FieldType,
  field,
  type ObjectDef,
  ownerField,
  systemFields,
} from './objectSchema.ts';

export interface CustomFieldMeta {
  /** `Object.Field__c` */
  fullName: string;
  label: string;
  type: string;
  length?: number;
  precision?: number;
  scale?: number;
  visibleLines?: number;
  required?: boolean;
  externalId?: boolean;
  unique?: boolean;
  caseSensitive?: boolean;
  defaultValue?: string;
  description?: string;
  inlineHelpText?: string;
  picklistValues?: string[];
  restricted?: boolean;
  referenceTo?: string;
  relationshipName?: string;
  relationshipLabel?: string;
  deleteConstraint?: string;
}

export interface CustomObjectMeta {
  fullName: string;
  label: string;
  pluralLabel: string;
  nameFieldLabel: string;
  nameFieldType: 'Text' | 'AutoNumber';
  keyPrefix: string;
  deploymentStatus: string;
  sharingModel: string;
  description?: string;
}

export interface FieldPermissionMeta {
  field: string;
  readable: boolean;
  editable: boolean;
}

export interface PermissionSetMeta {
  fullName: string;
  label: string;
  description?: string;
  fieldPermissions: FieldPermissionMeta[];
}

/** Metadata field types the emulator understands, with the describe type they become. */
export const CUSTOM_FIELD_TYPES: Record<string, FieldType> = {
  Text: 'string',
  TextArea: 'textarea',
  LongTextArea: 'textarea',
  Html: 'textarea',
  Checkbox: 'boolean',
  Url: 'url',
  Email: 'email',
  Phone: 'phone',
  Number: 'double',
  Currency: 'currency',
  Percent: 'percent',
  Date: 'date',
  DateTime: 'datetime',
  Picklist: 'picklist',
  MultiselectPicklist: 'multipicklist',
  Lookup: 'reference',
  MasterDetail: 'reference',
  AutoNumber: 'string',
};

export function splitFullName(fullName: string): { objectName: string; fieldName: string } {
  const dot = fullName.indexOf('.');
  return { objectName: fullName.slice(0, dot), fieldName: fullName.slice(dot + 1) };
}

function defaultLength(meta: CustomFieldMeta): number {
  switch (meta.type) {
    case 'Text':
      return meta.length ?? 255;
    case 'TextArea':
    case 'Url':
    case 'Picklist':
      return 255;
    case 'LongTextArea':
    case 'Html':
      return meta.length ?? 32768;
    case 'Email':
      return 80;
    case 'Phone':
      return 40;
    case 'MultiselectPicklist':
      return 4099;
    case 'Lookup':
    case 'MasterDetail':
      return 18;
    case 'AutoNumber':
      return 30;
    default:
      return 0;
  }
}

export function customFieldDef(meta: CustomFieldMeta): FieldDef {
  const { fieldName } = splitFullName(meta.fullName);
  const type = CUSTOM_FIELD_TYPES[meta.type] ?? 'string';
  const isMasterDetail = meta.type === 'MasterDetail';
  const isCheckbox = meta.type === 'Checkbox';
  const isRequired = isMasterDetail || meta.required === true;
  const isAutoNumber = meta.type === 'AutoNumber';
  let defaultValue: FieldDef['defaultValue'] = null;
  if (isCheckbox) defaultValue = meta.defaultValue === 'true';
  const isPicklist = meta.type === 'Picklist' && meta.defaultValue !== undefined;
  if (isPicklist) defaultValue = meta.defaultValue ?? null;
  return field(fieldName, meta.label, type, {
    length: defaultLength(meta),
    nillable: !(isRequired || isCheckbox),
    createable: !isAutoNumber,
    updateable: !isAutoNumber && !isMasterDetail,
    defaultedOnCreate: isCheckbox || isAutoNumber || isPicklist,
    defaultValue,
    custom: true,
    externalId: meta.externalId === true,
    unique: meta.unique === true,
    caseSensitive: meta.caseSensitive === true,
    picklistValues: meta.picklistValues ?? [],
    restrictedPicklist: meta.restricted === true,
    referenceTo: meta.referenceTo ? [meta.referenceTo] : [],
    relationshipName: type === 'reference' ? fieldName.replace(/__c$/, '__r') : null,
    childRelationshipName: meta.relationshipName ? `${meta.relationshipName}__r` : null,
    cascadeDelete: isMasterDetail || meta.deleteConstraint === 'Cascade',
    fieldLevelSecurity: !isRequired,
    precision: meta.precision ?? 0,
    scale: meta.scale ?? 0,
  });
}

export function customObjectDef(meta: CustomObjectMeta, fields: CustomFieldMeta[]): ObjectDef {
  const isDetail = fields.some((candidate) => candidate.type === 'MasterDetail');
  const nameField =
    meta.nameFieldType === 'AutoNumber'
      ? field('Name', meta.nameFieldLabel, 'string', {
          length: 80,
          nillable: false,
          createable: false,
          updateable: false,
          defaultedOnCreate: true,
        })
      : field('Name', meta.nameFieldLabel, 'string', {
          length: 80,
          nillable: false,
          defaultedOnCreate: true,
        });
  return {
    name: meta.fullName,
    label: meta.label,
    labelPlural: meta.pluralLabel,
    keyPrefix: meta.keyPrefix,
    custom: true,
    createable: true,
    updateable: true,
    deletable: true,
    fields: [...systemFields(), nameField, ...(isDetail ? [] : [ownerField()])],
  };
}
