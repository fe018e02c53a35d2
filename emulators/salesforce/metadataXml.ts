/**
 * XML ⇄ metadata: parsing SOAP envelopes and mdapi files (fast-xml-parser), reading CustomObject,
 * CustomField and PermissionSet definitions, and writing XML back for responses.
 */
import { XMLParser } from 'fast-xml-parser';
import type {
  CustomFieldMeta,
  CustomObjectMeta,
  FieldPermissionMeta,
  PermissionSetMeta,
} from './customMetadata.ts';

export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  removeNSPrefix: true,
  parseTagValue: false,
  attributeNamePrefix: '@_',
  trimValues: true,
});

export function parseXml(text: string): XmlNode {
  return parser.parse(text) as XmlNode;
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

export function text(node: unknown, key: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const value = (node as XmlNode)[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') {
    const inner = (value as XmlNode)['#text'];
    return inner === undefined ? undefined : String(inner);
  }
  return String(value);
}

const bool = (node: unknown, key: string): boolean | undefined => {
  const value = text(node, key);
  return value === undefined ? undefined : value === 'true';
};

const int = (node: unknown, key: string): number | undefined => {
  const value = text(node, key);
  return value === undefined || value === '' ? undefined : Number.parseInt(value, 10);
};

/** Copies only the keys whose value is defined (for exact optional properties). */
function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

export function customFieldFromXml(objectName: string, node: XmlNode): CustomFieldMeta {
  const rawName = text(node, 'fullName') ?? '';
  const fullName = rawName.includes('.') ? rawName : `${objectName}.${rawName}`;
  const valueSet = node['valueSet'] as XmlNode | undefined;
  const definition = valueSet?.['valueSetDefinition'] as XmlNode | undefined;
  const valueNodes = asArray(definition?.['value']);
  const values = valueNodes
    .map((value) => text(value, 'fullName'))
    .filter((value): value is string => value !== undefined);
  const picklistDefault = valueNodes.find((value) => text(value, 'default') === 'true');
  return compact<CustomFieldMeta>({
    fullName,
    label: text(node, 'label') ?? '',
    type: text(node, 'type') ?? '',
    length: int(node, 'length'),
    precision: int(node, 'precision'),
    scale: int(node, 'scale'),
    visibleLines: int(node, 'visibleLines'),
    required: bool(node, 'required'),
    externalId: bool(node, 'externalId'),
    unique: bool(node, 'unique'),
    caseSensitive: bool(node, 'caseSensitive'),
    defaultValue:
      text(node, 'defaultValue') ?? (picklistDefault ? text(picklistDefault, 'fullName') : undefined),
    description: text(node, 'description'),
    inlineHelpText: text(node, 'inlineHelpText'),
    picklistValues: valueSet ? values : undefined,
    restricted: valueSet ? bool(valueSet, 'restricted') : undefined,
    referenceTo: text(node, 'referenceTo'),
    relationshipName: text(node, 'relationshipName'),
    relationshipLabel: text(node, 'relationshipLabel'),
    deleteConstraint: text(node, 'deleteConstraint'),
  });
}

export function customObjectFromXml(fullName: string, node: XmlNode, keyPrefix: string): CustomObjectMeta {
  const nameField = node['nameField'] as XmlNode | undefined;
  return compact<CustomObjectMeta>({
    fullName,
    label: text(node, 'label') ?? '',
    pluralLabel: text(node, 'pluralLabel') ?? text(node, 'label') ?? '',
    nameFieldLabel: text(nameField, 'label') ?? 'Name',
    nameFieldType: text(nameField, 'type') === 'AutoNumber' ? 'AutoNumber' : 'Text',
    keyPrefix,
    deploymentStatus: text(node, 'deploymentStatus') ?? 'Deployed',
    sharingModel: text(node, 'sharingModel') ?? 'ReadWrite',
    description: text(node, 'description'),
  });
}

export function permissionSetFromXml(fullName: string, node: XmlNode): PermissionSetMeta {
  const fieldPermissions: FieldPermissionMeta[] = asArray(node['fieldPermissions']).map((grant) => ({
    field: text(grant, 'field') ?? '',
    readable: bool(grant, 'readable') ?? false,
    editable: bool(grant, 'editable') ?? false,
  }));
  return compact<PermissionSetMeta>({
    fullName,
    label: text(node, 'label') ?? fullName,
    description: text(node, 'description'),
    fieldPermissions,
  });
}

/** Element tree for XML output: strings, numbers, booleans, nested objects, arrays as repeated elements. */
export type XmlValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | XmlValue[]
  | { [key: string]: XmlValue };

export function escapeXml(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (char) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[char]};`,
  );
}

export function toXml(name: string, value: XmlValue, attributes = ''): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((item) => toXml(name, item, attributes)).join('');
  if (value === null) return `<${name} xsi:nil="true"/>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([key, child]) => toXml(key, child))
      .join('');
    return `<${name}${attributes}>${inner}</${name}>`;
  }
  return `<${name}${attributes}>${escapeXml(String(value))}</${name}>`;
}

export function customFieldToXml(meta: CustomFieldMeta): XmlValue {
  return {
    fullName: meta.fullName,
    caseSensitive: meta.caseSensitive,
    defaultValue: meta.picklistValues ? undefined : meta.defaultValue,
    deleteConstraint: meta.deleteConstraint,
    description: meta.description,
    externalId: meta.externalId ?? false,
    inlineHelpText: meta.inlineHelpText,
    label: meta.label,
    length: meta.length,
    precision: meta.precision,
    referenceTo: meta.referenceTo,
    relationshipLabel: meta.relationshipLabel,
    relationshipName: meta.relationshipName,
    required: meta.required ?? false,
    scale: meta.scale,
    type: meta.type,
    unique: meta.unique,
    valueSet: meta.picklistValues
      ? {
          restricted: meta.restricted ?? false,
          valueSetDefinition: {
            sorted: false,
            value: meta.picklistValues.map((value) => ({
              fullName: value,
              default: value === meta.defaultValue,
              label: value,
            })),
          },
        }
      : undefined,
    visibleLines: meta.visibleLines,
  };
}

export function customObjectToXml(meta: CustomObjectMeta): XmlValue {
  return {
    fullName: meta.fullName,
    deploymentStatus: meta.deploymentStatus,
    description: meta.description,
    label: meta.label,
    nameField: { label: meta.nameFieldLabel, type: meta.nameFieldType },
    pluralLabel: meta.pluralLabel,
    sharingModel: meta.sharingModel,
  };
}

export function permissionSetToXml(meta: PermissionSetMeta): XmlValue {
  return {
    fullName: meta.fullName,
    description: meta.description,
    fieldPermissions: meta.fieldPermissions.map((grant) => ({ ...grant })),
    hasActivationRequired: false,
    label: meta.label,
  };
}
