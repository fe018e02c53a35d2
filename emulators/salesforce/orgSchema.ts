/**
 * The org's schema: standard objects (shaped by org settings) plus deployed custom objects and fields.
 * Names resolve case-insensitively, as the API does. Field-level security is applied by `FieldAccess`.
 */
import {
  type CustomFieldMeta,
  type CustomObjectMeta,
  customFieldDef,
  customObjectDef,
  splitFullName,
} from './customMetadata.ts';
import { duplicateRuleObject } from './duplicateRuleObject.ts';
import { type ChildRelationship, type FieldDef, lookup, type ObjectDef } from './objectSchema.ts';
import { noRealism, type OrgRealism } from './orgRealism.ts';
import type { OrgSettings } from './orgSettings.ts';
import { recordTypeObject } from './recordTypes.ts';
import { standardObjects } from './standardObjects.ts';

/** Who is looking: decides which FLS-protected fields exist for the caller. */
export interface FieldAccess {
  canRead(objectName: string, def: FieldDef): boolean;
  canEdit(objectName: string, def: FieldDef): boolean;
}

export const fullAccess: FieldAccess = { canRead: () => true, canEdit: () => true };

export class OrgSchema {
  private readonly objectsByLowerName = new Map<string, ObjectDef>();
  private readonly objectsByPrefix = new Map<string, ObjectDef>();
  private readonly childRelationshipsByObject = new Map<string, ChildRelationship[]>();

  constructor(
    settings: OrgSettings,
    customObjects: CustomObjectMeta[],
    deployedFields: CustomFieldMeta[],
    realism: OrgRealism = noRealism(),
  ) {
    const customFields = [...deployedFields, ...realism.customFields];
    const objects = standardObjects(settings);
    if (realism.recordTypes.length > 0) objects.push(recordTypeObject());
    if (realism.duplicateRules.length > 0) objects.push(duplicateRuleObject());
    for (const meta of customObjects) {
      const fields = customFields.filter(
        (candidate) => splitFullName(candidate.fullName).objectName === meta.fullName,
      );
      objects.push(customObjectDef(meta, fields));
    }
    for (const object of objects) {
      this.objectsByLowerName.set(object.name.toLowerCase(), object);
      this.objectsByPrefix.set(object.keyPrefix, object);
    }
    for (const meta of customFields) {
      const object = this.objectsByLowerName.get(splitFullName(meta.fullName).objectName.toLowerCase());
      object?.fields.push(customFieldDef(meta));
    }
    this.applyRealism(realism);
    for (const object of objects) {
      for (const def of object.fields) {
        if (def.childRelationshipName === null) continue;
        for (const parentName of def.referenceTo) {
          const list = this.childRelationshipsByObject.get(parentName) ?? [];
          list.push({
            relationshipName: def.childRelationshipName,
            childSObject: object.name,
            field: def.name,
            cascadeDelete: def.cascadeDelete,
          });
          this.childRelationshipsByObject.set(parentName, list);
        }
      }
    }
  }

  /** Restricted picklists and the RecordTypeId field of objects that have record types. */
  private applyRealism(realism: OrgRealism): void {
    for (const rule of realism.restrictedPicklists) {
      const object = this.object(rule.object);
      const def = object?.fields.find(
        (candidate) => candidate.name.toLowerCase() === rule.field.toLowerCase(),
      );
      if (!def || (def.type !== 'picklist' && def.type !== 'multipicklist')) continue;
      def.restrictedPicklist = true;
      if (rule.values) def.picklistValues = [...rule.values];
    }
    const withRecordTypes = new Set(realism.recordTypes.map((recordType) => recordType.object.toLowerCase()));
    for (const name of withRecordTypes) {
      const object = this.object(name);
      if (!object || object.fields.some((def) => def.name === 'RecordTypeId')) continue;
      object.fields.push(lookup('RecordTypeId', 'Record Type ID', ['RecordType'], 'RecordType'));
    }
  }

  objects(): ObjectDef[] {
    return [...this.objectsByLowerName.values()];
  }

  object(name: string): ObjectDef | undefined {
    return this.objectsByLowerName.get(name.toLowerCase());
  }

  objectForId(id: string): ObjectDef | undefined {
    return this.objectsByPrefix.get(id.slice(0, 3));
  }

  field(object: ObjectDef, name: string, access: FieldAccess): FieldDef | undefined {
    const lower = name.toLowerCase();
    const def = object.fields.find((candidate) => candidate.name.toLowerCase() === lower);
    if (!def) return undefined;
    if (!access.canRead(object.name, def)) return undefined;
    return def;
  }

  visibleFields(object: ObjectDef, access: FieldAccess): FieldDef[] {
    return object.fields.filter((def) => access.canRead(object.name, def));
  }

  /** A lookup field whose relationship name is `relationshipName` (e.g. `Account`, `Owner`, `Foo__r`). */
  relationship(object: ObjectDef, relationshipName: string, access: FieldAccess): FieldDef | undefined {
    const lower = relationshipName.toLowerCase();
    return this.visibleFields(object, access).find((def) => def.relationshipName?.toLowerCase() === lower);
  }

  childRelationships(objectName: string): ChildRelationship[] {
    return this.childRelationshipsByObject.get(objectName) ?? [];
  }

  childRelationship(object: ObjectDef, relationshipName: string): ChildRelationship | undefined {
    const lower = relationshipName.toLowerCase();
    return this.childRelationships(object.name).find(
      (child) => child.relationshipName.toLowerCase() === lower,
    );
  }
}
