/** describeGlobal and describeSObject bodies, shaped like the REST API's. */
import type { FieldDef, ObjectDef } from './objectSchema.ts';
import type { RecordTypeConfig } from './orgRealism.ts';
import type { FieldAccess, OrgSchema } from './orgSchema.ts';
import { recordTypeInfos } from './recordTypes.ts';

const SOAP_TYPES: Record<FieldDef['type'], string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  picklist: 'xsd:string',
  multipicklist: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  boolean: 'xsd:boolean',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  int: 'xsd:int',
  base64: 'xsd:base64Binary',
};

function objectUrls(version: string, object: ObjectDef): Record<string, string> {
  const base = `/services/data/${version}/sobjects/${object.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

function objectSummary(object: ObjectDef, version: string): Record<string, unknown> {
  return {
    activateable: false,
    createable: object.createable,
    custom: object.custom,
    customSetting: false,
    deletable: object.deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isSubtype: false,
    keyPrefix: object.keyPrefix,
    label: object.label,
    labelPlural: object.labelPlural,
    layoutable: object.createable,
    mergeable: false,
    mruEnabled: object.createable,
    name: object.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: object.createable,
    triggerable: object.createable,
    undeletable: object.deletable,
    updateable: object.updateable,
    urls: objectUrls(version, object),
  };
}

export function describeGlobal(schema: OrgSchema, version: string): Record<string, unknown> {
  return {
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: schema.objects().map((object) => objectSummary(object, version)),
  };
}

function describeField(object: ObjectDef, def: FieldDef, access: FieldAccess): Record<string, unknown> {
  const writable = access.canEdit(object.name, def);
  const isText = [
    'string',
    'textarea',
    'picklist',
    'multipicklist',
    'email',
    'phone',
    'url',
    'id',
    'reference',
  ].includes(def.type);
  return {
    aggregatable: def.type !== 'textarea' || def.length <= 255,
    autoNumber: def.name === 'Name' && !def.createable && object.custom,
    byteLength: isText ? def.length * 3 : 0,
    calculated: false,
    cascadeDelete: def.cascadeDelete,
    caseSensitive: def.caseSensitive,
    createable: def.createable && writable,
    custom: def.custom,
    defaultValue: def.type === 'boolean' ? def.defaultValue : null,
    defaultedOnCreate: def.defaultedOnCreate,
    dependentPicklist: false,
    digits: def.type === 'int' ? def.precision : 0,
    externalId: def.externalId,
    filterable: def.type !== 'textarea' || def.length <= 255,
    groupable: ['string', 'picklist', 'boolean', 'date', 'reference', 'id', 'email', 'phone', 'url'].includes(
      def.type,
    ),
    htmlFormatted: false,
    idLookup:
      def.name === 'Id' ||
      def.externalId ||
      (def.name === 'Name' && !object.custom) ||
      def.name === 'Username',
    label: def.label,
    length: isText ? def.length : 0,
    name: def.name,
    nameField: def.name === 'Name',
    nillable: def.nillable,
    permissionable: def.fieldLevelSecurity,
    picklistValues: def.picklistValues.map((value) => ({
      active: true,
      defaultValue: def.defaultValue === value,
      label: value,
      validFor: null,
      value,
    })),
    polymorphicForeignKey: def.referenceTo.length > 1,
    precision: ['currency', 'double', 'percent'].includes(def.type) ? def.precision || 18 : 0,
    referenceTo: def.referenceTo,
    relationshipName: def.relationshipName,
    relationshipOrder: null,
    restrictedPicklist: def.restrictedPicklist,
    scale: def.scale,
    soapType: SOAP_TYPES[def.type],
    sortable: def.type !== 'textarea' || def.length <= 255,
    type: def.type,
    unique: def.unique,
    updateable: def.updateable && writable,
  };
}

export function describeSObject(
  schema: OrgSchema,
  object: ObjectDef,
  access: FieldAccess,
  version: string,
  recordTypes: readonly RecordTypeConfig[] = [],
): Record<string, unknown> {
  return {
    ...objectSummary(object, version),
    childRelationships: schema.childRelationships(object.name).map((child) => ({
      cascadeDelete: child.cascadeDelete,
      childSObject: child.childSObject,
      deprecatedAndHidden: false,
      field: child.field,
      junctionIdListNames: [],
      junctionReferenceTo: [],
      relationshipName: child.relationshipName,
      restrictedDelete: false,
    })),
    fields: schema.visibleFields(object, access).map((def) => describeField(object, def, access)),
    recordTypeInfos: recordTypeInfos(recordTypes, object, version),
    urls: {
      ...objectUrls(version, object),
      compactLayouts: `/services/data/${version}/sobjects/${object.name}/describe/compactLayouts`,
      layouts: `/services/data/${version}/sobjects/${object.name}/describe/layouts`,
    },
  };
}
