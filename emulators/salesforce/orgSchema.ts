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
import type { ChildRelationship, FieldDef, ObjectDef } from './objectSchema.ts';
import type { OrgSettings } from './orgSettings.ts';
import { standardObjects } from './standardObjects.ts';

/** Who is looking: decides which FLS-protected fields exist for the caller. */
export interface FieldAccess {
  canRead(objectName: string, fieldName: string): boolean;
  canEdit(objectName: string, fieldName: string): boolean;
}

export const fullAccess: FieldAccess = { canRead: () => true, canEdit: () => true };

export class OrgSchema {
  private readonly objectsByLowerName = new Map<string, ObjectDef>();
  private readonly objectsByPrefix = new Map<string, ObjectDef>();
  private readonly childRelationshipsByObject = new Map<string, ChildRelationship[]>();

  constructor(settings: OrgSettings, customObjects: CustomObjectMeta[], customFields: CustomFieldMeta[]) {
    const objects = standardObjects(settings);
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
    if (def.fieldLevelSecurity && !access.canRead(object.name, def.name)) return undefined;
    return def;
  }

  visibleFields(object: ObjectDef, access: FieldAccess): FieldDef[] {
    return object.fields.filter((def) => !def.fieldLevelSecurity || access.canRead(object.name, def.name));
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
