/**
 * Applies CustomObject, CustomField and PermissionSet metadata to the org, with the validation problems
 * the Metadata API reports. Each apply returns `{ created }` or a problem text.
 */
import {
  CUSTOM_FIELD_TYPES,
  type CustomFieldMeta,
  type CustomObjectMeta,
  customFieldDef,
  type PermissionSetMeta,
  splitFullName,
} from './customMetadata.ts';
import { isRequiredOnCreate, type SfRecord } from './objectSchema.ts';
import type { OrgState } from './orgState.ts';
import type { SalesforceOrg } from './salesforceOrg.ts';

export type ApplyOutcome = { ok: true; created: boolean } | { ok: false; problem: string };

const problem = (text: string): ApplyOutcome => ({ ok: false, problem: text });

/** A copy of everything metadata changes touch, to restore for checkOnly and rollbackOnError. */
export interface MetadataSnapshot {
  json: string;
}

export class MetadataApplier {
  constructor(private readonly org: SalesforceOrg) {}

  snapshot(): MetadataSnapshot {
    const { customObjects, customFields, permissionSets, layouts, sequences } = this.org.state;
    const permissionSetRecords = this.org.state.records['PermissionSet'] ?? {};
    return {
      json: JSON.stringify({
        customObjects,
        customFields,
        permissionSets,
        layouts,
        sequences,
        permissionSetRecords,
      }),
    };
  }

  restore(snapshot: MetadataSnapshot): void {
    const saved = JSON.parse(snapshot.json) as Pick<
      OrgState,
      'customObjects' | 'customFields' | 'permissionSets' | 'layouts' | 'sequences'
    > & { permissionSetRecords: Record<string, SfRecord> };
    Object.assign(this.org.state, {
      customObjects: saved.customObjects,
      customFields: saved.customFields,
      permissionSets: saved.permissionSets,
      layouts: saved.layouts,
      sequences: saved.sequences,
    });
    this.org.state.records['PermissionSet'] = saved.permissionSetRecords ?? {};
    this.org.schemaChanged();
  }

  customObject(
    input: Omit<CustomObjectMeta, 'keyPrefix'>,
    mode: 'create' | 'update' | 'upsert',
  ): ApplyOutcome {
    if (!input.fullName.endsWith('__c'))
      return problem(`Invalid fullName ${input.fullName}: a custom object name must end in __c`);
    if (!input.label) return problem('Must specify a non-empty label for the CustomObject');
    const existing = this.org.state.customObjects[input.fullName];
    if (existing && mode === 'create')
      return problem(`There is already a CustomObject named ${input.fullName}.`);
    if (!existing && mode === 'update') return problem(`No CustomObject named ${input.fullName} found`);
    const keyPrefix = existing?.keyPrefix ?? this.nextKeyPrefix();
    this.org.state.customObjects[input.fullName] = { ...input, keyPrefix };
    this.org.schemaChanged();
    return { ok: true, created: !existing };
  }

  private nextKeyPrefix(): string {
    const used = new Set(Object.values(this.org.state.customObjects).map((meta) => meta.keyPrefix));
    for (let index = 1; index < 36 * 36; index += 1) {
      const candidate = `a${index.toString(36).padStart(2, '0')}`;
      if (!used.has(candidate)) return candidate;
    }
    throw new Error('The emulator ran out of custom object key prefixes.');
  }

  customField(meta: CustomFieldMeta, mode: 'create' | 'update' | 'upsert'): ApplyOutcome {
    const { objectName, fieldName } = splitFullName(meta.fullName);
    const schema = this.org.schema();
    const object = schema.object(objectName);
    if (!objectName || !object) {
      return problem(
        `The object ${objectName || '(none)'} of field ${meta.fullName} does not exist: deploy the object first or include it in the package.`,
      );
    }
    if (!fieldName.endsWith('__c'))
      return problem(`Invalid field name ${fieldName}: a custom field name must end in __c`);
    if (!meta.label) return problem('Must specify a non-empty label for the CustomField');
    if (!(meta.type in CUSTOM_FIELD_TYPES))
      return problem(`Unknown or unsupported field type: ${meta.type || '(none)'}`);
    const invalid = this.fieldTypeProblem(meta);
    if (invalid) return problem(invalid);
    const fullName = `${object.name}.${fieldName}`;
    const existing = this.org.state.customFields[fullName];
    if (existing && mode === 'create')
      return problem(`There is already a Field named ${fieldName} on ${object.name}.`);
    if (!existing && mode === 'update') return problem(`No CustomField named ${fullName} found`);
    if (!existing && object.fields.some((def) => def.name.toLowerCase() === fieldName.toLowerCase())) {
      return problem(`There is already a Field named ${fieldName} on ${object.name}.`);
    }
    this.org.state.customFields[fullName] = { ...meta, fullName };
    this.org.schemaChanged();
    return { ok: true, created: !existing };
  }

  private fieldTypeProblem(meta: CustomFieldMeta): string | null {
    switch (meta.type) {
      case 'Text':
        return meta.length === undefined || meta.length < 1 || meta.length > 255
          ? 'Length must be between 1 and 255'
          : null;
      case 'LongTextArea':
      case 'Html':
        if (meta.length === undefined || meta.length < 256 || meta.length > 131072)
          return 'Length must be between 256 and 131072';
        return meta.visibleLines === undefined ? 'Must specify visibleLines for a long text area' : null;
      case 'Picklist':
      case 'MultiselectPicklist':
        return meta.picklistValues && meta.picklistValues.length > 0
          ? null
          : 'Picklist must have at least one value in valueSet';
      case 'Lookup':
      case 'MasterDetail': {
        if (!meta.referenceTo || !this.org.schema().object(meta.referenceTo)) {
          return `referenceTo value of '${meta.referenceTo ?? ''}' does not resolve to a valid sObject type`;
        }
        return meta.relationshipName ? null : 'Must specify relationshipName for a relationship field';
      }
      case 'Number':
      case 'Currency':
      case 'Percent':
        return meta.precision !== undefined && meta.precision > 18 ? 'Precision must be at most 18' : null;
      default:
        return null;
    }
  }

  permissionSet(meta: PermissionSetMeta, mode: 'create' | 'update' | 'upsert'): ApplyOutcome {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(meta.fullName))
      return problem(`Invalid permission set name ${meta.fullName}`);
    const schema = this.org.schema();
    for (const grant of meta.fieldPermissions) {
      const { objectName, fieldName } = splitFullName(grant.field);
      const object = schema.object(objectName);
      const def = object?.fields.find(
        (candidate) => candidate.name.toLowerCase() === fieldName.toLowerCase(),
      );
      if (!object || !def) return problem(`In field: field - no CustomField named ${grant.field} found`);
      const custom = this.org.state.customFields[`${object.name}.${def.name}`];
      const isRequired = custom
        ? !customFieldDef(custom).fieldLevelSecurity && custom.type !== 'Checkbox'
        : isRequiredOnCreate(def);
      if (isRequired) return problem(`You cannot deploy to a required field: ${grant.field}`);
    }
    const existing = this.org.state.permissionSets[meta.fullName];
    if (existing && mode === 'create')
      return problem(`There is already a PermissionSet named ${meta.fullName}.`);
    if (!existing && mode === 'update') return problem(`No PermissionSet named ${meta.fullName} found`);
    this.org.state.permissionSets[meta.fullName] = meta;
    this.ensurePermissionSetRecord(meta);
    this.org.schemaChanged();
    return { ok: true, created: !existing };
  }

  private ensurePermissionSetRecord(meta: PermissionSetMeta): void {
    const existing = this.org.liveRecords('PermissionSet').find((record) => record['Name'] === meta.fullName);
    const now = this.org.nowText();
    const adminId = this.org.state.adminUserId;
    const id = existing ? String(existing['Id']) : this.org.nextId('0PS');
    this.org.put('PermissionSet', {
      Id: id,
      IsDeleted: false,
      CreatedDate: existing?.['CreatedDate'] ?? now,
      CreatedById: existing?.['CreatedById'] ?? adminId,
      LastModifiedDate: now,
      LastModifiedById: adminId,
      SystemModstamp: now,
      Name: meta.fullName,
      Label: meta.label,
      Description: meta.description ?? null,
      IsOwnedByProfile: false,
    });
  }

  layout(fullName: string, xml: string): ApplyOutcome {
    const objectName = fullName.split('-')[0] ?? '';
    if (!this.org.schema().object(objectName))
      return problem(`The object ${objectName} of layout ${fullName} does not exist`);
    const existing = this.org.state.layouts[fullName];
    this.org.state.layouts[fullName] = xml;
    this.org.changed();
    return { ok: true, created: existing === undefined };
  }
}
