/**
 * Validated record writes with the platform's side effects: system fields, defaults, derived opportunity
 * fields, uniqueness, reference integrity, cascade deletes. Failures throw `SalesforceApiError`.
 */
import {
  type FieldDef,
  type FieldValue,
  isRequiredOnCreate,
  type ObjectDef,
  type SfRecord,
} from './objectSchema.ts';
import { stageNamed } from './opportunityStages.ts';
import { notFound, SalesforceApiError } from './salesforceApiError.ts';
import { normalizeId } from './salesforceId.ts';
import type { SalesforceOrg } from './salesforceOrg.ts';
import { SaveRules } from './saveRules.ts';
import { formatDateTime, parseDate, parseDateTime } from './sfDateTime.ts';

export type WriteInput = Record<string, unknown>;
const IGNORED_INPUT_KEYS = new Set(['attributes']);
/** Objects whose read-only Name is composed from FirstName and LastName. */
const PERSON_OBJECTS = new Set(['Contact', 'Lead', 'User']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const FORECAST_CATEGORY: Record<string, string> = {
  Pipeline: 'Pipeline',
  'Best Case': 'BestCase',
  Commit: 'Forecast',
  Closed: 'Closed',
  Omitted: 'Omitted',
};

function requireOperation(object: ObjectDef, allowed: boolean, verb: string): void {
  if (!allowed) {
    throw new SalesforceApiError(
      400,
      'INVALID_TYPE_FOR_OPERATION',
      `entity type ${object.name} does not support ${verb}`,
    );
  }
}

function requiredFieldsMissing(defs: FieldDef[]): SalesforceApiError {
  const names = defs.map((def) => def.name);
  return new SalesforceApiError(
    400,
    'REQUIRED_FIELD_MISSING',
    `Required fields are missing: [${names.join(', ')}]`,
    names,
  );
}

const badValue = (code: string, message: string, def: FieldDef) =>
  new SalesforceApiError(400, code, message, [def.name]);

export class RecordWriter {
  private readonly rules: SaveRules;

  constructor(private readonly org: SalesforceOrg) {
    this.rules = new SaveRules(org);
  }

  /** Resolves an object name the caller may write to (INVALID_TYPE when unknown). */
  object(name: string): ObjectDef {
    const object = this.org.schema().object(name);
    if (!object) {
      throw new SalesforceApiError(
        404,
        'NOT_FOUND',
        `The requested resource does not exist: sObject type '${name}' is not supported.`,
      );
    }
    return object;
  }

  create(objectName: string, input: WriteInput, userId: string): string {
    const object = this.object(objectName);
    requireOperation(object, object.createable, 'insert');
    const values = this.coerce(object, input, 'create', userId);
    const id = this.org.nextId(object.keyPrefix);
    const now = this.org.nowText();
    const record: SfRecord = {
      Id: id,
      IsDeleted: false,
      CreatedDate: now,
      CreatedById: userId,
      LastModifiedDate: now,
      LastModifiedById: userId,
      SystemModstamp: now,
    };
    for (const def of object.fields) {
      if (def.name in record) continue;
      record[def.name] = def.name in values ? (values[def.name] ?? null) : def.defaultValue;
    }
    if (object.fields.some((def) => def.name === 'OwnerId') && values['OwnerId'] === undefined)
      record['OwnerId'] = userId;
    this.rules.defaultRecordTypeId(object, record);
    const missing = object.fields.filter(
      (def) => isRequiredOnCreate(def) && (record[def.name] === null || record[def.name] === ''),
    );
    if (missing.length > 0) throw requiredFieldsMissing(missing);
    this.derive(object, record, values, true);
    this.checkIntegrity(object, record, values);
    this.rules.check(object, record, null);
    this.org.put(object.name, record);
    this.afterWrite(object, record, values);
    this.org.changed();
    return id;
  }

  update(objectName: string, rawId: string, input: WriteInput, userId: string): void {
    const object = this.object(objectName);
    const existing = this.existing(object, rawId);
    requireOperation(object, object.updateable, 'update');
    if (object.name === 'Lead' && existing['IsConverted'] === true) {
      throw new SalesforceApiError(400, 'CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead');
    }
    const values = this.coerce(object, input, 'update', userId);
    const record: SfRecord = { ...existing, ...values };
    const nulled = object.fields.filter(
      (def) => def.name in values && values[def.name] === null && isRequiredOnCreate(def),
    );
    if (nulled.length > 0) throw requiredFieldsMissing(nulled);
    const now = this.org.nowText();
    record['LastModifiedDate'] = now;
    record['LastModifiedById'] = userId;
    record['SystemModstamp'] = now;
    this.derive(object, record, values, false);
    this.checkIntegrity(object, record, values);
    this.rules.check(object, record, existing);
    this.org.put(object.name, record);
    this.afterWrite(object, record, values);
    this.org.changed();
  }

  /** Deletes a record (soft: IsDeleted = true) and cascades to master-detail children. */
  delete(rawId: string, userId: string, expectedObject?: string): void {
    const id = normalizeId(rawId);
    const found = id ? this.org.find(id) : undefined;
    if (
      !id ||
      !found ||
      (expectedObject && found.object.name.toLowerCase() !== expectedObject.toLowerCase())
    ) {
      if (id === null) throw new SalesforceApiError(400, 'MALFORMED_ID', `malformed id ${rawId}`);
      throw notFound();
    }
    if (found.record['IsDeleted'] === true)
      throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    requireOperation(found.object, found.object.deletable, 'delete');
    const now = this.org.nowText();
    this.org.put(found.object.name, {
      ...found.record,
      IsDeleted: true,
      LastModifiedDate: now,
      LastModifiedById: userId,
      SystemModstamp: now,
    });
    this.org.state.deletedAt[id] = now;
    for (const child of this.org.schema().childRelationships(found.object.name)) {
      if (!child.cascadeDelete) continue;
      for (const record of this.org.liveRecords(child.childSObject)) {
        if (record[child.field] === id) this.delete(String(record['Id']), userId);
      }
    }
    this.org.changed();
  }

  /** The live record for an id in a route (404 when unknown, ENTITY_IS_DELETED when deleted). */
  existing(object: ObjectDef, rawId: string): SfRecord {
    const id = normalizeId(rawId);
    const record = id ? this.org.state.records[object.name]?.[id] : undefined;
    if (!record) throw notFound();
    if (record['IsDeleted'] === true)
      throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    return record;
  }

  /** Validates and converts input values to stored form. */
  coerce(object: ObjectDef, input: WriteInput, mode: 'create' | 'update', userId: string): SfRecord {
    const access = this.org.accessFor(userId);
    const schema = this.org.schema();
    const values: SfRecord = {};
    const notWritable: string[] = [];
    for (const [key, raw] of Object.entries(input)) {
      if (IGNORED_INPUT_KEYS.has(key)) continue;
      if (key.toLowerCase() === 'id' && mode === 'update') continue;
      const def = schema.field(object, key, access);
      if (!def) {
        throw new SalesforceApiError(
          400,
          'INVALID_FIELD',
          `No such column '${key}' on sobject of type ${object.name}`,
          [key],
        );
      }
      const allowed = mode === 'create' ? def.createable : def.updateable;
      if (!allowed || !access.canEdit(object.name, def)) {
        notWritable.push(def.name);
        continue;
      }
      values[def.name] = this.coerceValue(def, raw);
    }
    if (notWritable.length > 0) {
      throw new SalesforceApiError(
        400,
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to ${mode} fields: ${notWritable.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        notWritable,
      );
    }
    return values;
  }

  private coerceValue(def: FieldDef, raw: unknown): FieldValue {
    if (raw === null || raw === undefined || raw === '') {
      return def.type === 'boolean' ? false : null;
    }
    const typeError = () =>
      new SalesforceApiError(
        400,
        'JSON_PARSER_ERROR',
        `Cannot deserialize instance of ${def.type} from ${typeof raw} value ${JSON.stringify(raw)} for field ${def.name}`,
        [def.name],
      );
    switch (def.type) {
      case 'boolean':
        if (typeof raw === 'boolean') return raw;
        if (raw === 'true' || raw === 'false') return raw === 'true';
        throw typeError();
      case 'double':
      case 'currency':
      case 'percent':
      case 'int': {
        const number = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
        if (!Number.isFinite(number)) throw typeError();
        return def.type === 'int' ? Math.trunc(number) : number;
      }
      case 'date': {
        const date = typeof raw === 'string' ? parseDate(raw) : null;
        if (date === null)
          throw badValue(
            'INVALID_TYPE_ON_FIELD_IN_RECORD',
            `${def.label}: value not of required type: ${String(raw)}`,
            def,
          );
        return date;
      }
      case 'datetime': {
        const at = typeof raw === 'string' ? parseDateTime(raw) : null;
        if (at === null)
          throw badValue(
            'INVALID_TYPE_ON_FIELD_IN_RECORD',
            `${def.label}: value not of required type: ${String(raw)}`,
            def,
          );
        return formatDateTime(at);
      }
      case 'reference': {
        if (typeof raw !== 'string') throw typeError();
        const id = normalizeId(raw);
        if (id === null)
          throw badValue('MALFORMED_ID', `${def.label}: id value of incorrect type: ${raw}`, def);
        return id;
      }
      default: {
        if (typeof raw === 'object') throw typeError();
        const text = String(raw);
        return this.checkText(def, text);
      }
    }
  }

  private checkText(def: FieldDef, text: string): string {
    if (def.type === 'picklist' && def.restrictedPicklist && !def.picklistValues.includes(text)) {
      throw badValue(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `${def.label}: bad value for restricted picklist field: ${text}`,
        def,
      );
    }
    if (def.type === 'multipicklist' && def.restrictedPicklist) {
      const bad = text.split(';').find((value) => !def.picklistValues.includes(value));
      if (bad !== undefined) {
        throw badValue(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${def.label}: bad value for restricted picklist field: ${bad}`,
          def,
        );
      }
    }
    if (def.type === 'email' && !EMAIL.test(text)) {
      throw badValue('INVALID_EMAIL_ADDRESS', `${def.label}: invalid email address: ${text}`, def);
    }
    if (def.type !== 'base64' && def.length > 0 && text.length > def.length) {
      throw badValue(
        'STRING_TOO_LONG',
        `${def.label}: data value too large: ${text.slice(0, 40)} (max length=${def.length})`,
        def,
      );
    }
    return text;
  }

  /** Fields the platform computes from others. */
  private derive(object: ObjectDef, record: SfRecord, values: SfRecord, isCreate: boolean): void {
    if (PERSON_OBJECTS.has(object.name)) {
      record['Name'] = [record['FirstName'], record['LastName']]
        .filter((part) => part !== null && part !== '')
        .join(' ');
    }
    if (object.custom && (record['Name'] === null || record['Name'] === undefined))
      record['Name'] = record['Id'] ?? null;
    if (object.name === 'Opportunity' && (isCreate || 'StageName' in values)) {
      const stage = stageNamed(String(record['StageName']));
      if (stage) {
        record['IsClosed'] = stage.isClosed;
        record['IsWon'] = stage.isWon;
        if (!('Probability' in values)) record['Probability'] = stage.probability;
        if (!('ForecastCategoryName' in values)) record['ForecastCategoryName'] = stage.forecastCategoryName;
      }
    }
    if (object.name === 'Opportunity') {
      record['ForecastCategory'] = FORECAST_CATEGORY[String(record['ForecastCategoryName'])] ?? null;
    }
    if (object.name === 'OpportunityTeamMember') {
      const user = this.org.state.records['User']?.[String(record['UserId'])];
      record['Name'] = user ? (user['Name'] ?? null) : null;
    }
    if (object.name === 'ContentNote') {
      record['FileType'] = 'SNOTE';
      const content =
        typeof record['Content'] === 'string'
          ? Buffer.from(record['Content'], 'base64').toString('utf8')
          : '';
      record['TextPreview'] = content.replace(/<[^>]*>/g, '').slice(0, 255);
    }
    if (object.name === 'Lead' && isCreate) record['IsConverted'] = false;
  }

  private checkIntegrity(object: ObjectDef, record: SfRecord, values: SfRecord): void {
    const schema = this.org.schema();
    for (const def of object.fields) {
      const value = values[def.name];
      if (value === undefined || value === null) continue;
      if (def.type === 'reference') {
        const target = this.org.find(String(value));
        const targetObject = target?.object ?? schema.objectForId(String(value));
        if (targetObject && !def.referenceTo.includes(targetObject.name)) {
          throw badValue(
            'FIELD_INTEGRITY_EXCEPTION',
            `${def.label}: id value of incorrect type: ${String(value)}`,
            def,
          );
        }
        if (!target) {
          throw badValue(
            'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
            `insufficient access rights on cross-reference id: ${String(value)}`,
            def,
          );
        }
        if (target.record['IsDeleted'] === true)
          throw badValue('ENTITY_IS_DELETED', 'entity is deleted', def);
      }
      if (def.unique && typeof value === 'string') {
        const clash = this.org
          .liveRecordsWithValue(object.name, def.name, value)
          .find(
            (other) =>
              other['Id'] !== record['Id'] &&
              typeof other[def.name] === 'string' &&
              (!def.caseSensitive || other[def.name] === value),
          );
        if (clash) {
          throw badValue(
            'DUPLICATE_VALUE',
            `duplicate value found: ${def.name} duplicates value on record with id: ${String(clash['Id'])}`,
            def,
          );
        }
      }
    }
    if (object.name === 'PermissionSetAssignment') {
      const clash = this.org
        .liveRecords(object.name)
        .find(
          (other) =>
            other['Id'] !== record['Id'] &&
            other['AssigneeId'] === record['AssigneeId'] &&
            other['PermissionSetId'] === record['PermissionSetId'],
        );
      if (clash) {
        throw new SalesforceApiError(
          400,
          'DUPLICATE_VALUE',
          `Duplicate PermissionSetAssignment. Assignee: ${String(record['AssigneeId'])}; Permission Set: ${String(record['PermissionSetId'])}`,
        );
      }
    }
  }

  private afterWrite(object: ObjectDef, record: SfRecord, values: SfRecord): void {
    if (object.name === 'OpportunityContactRole' && values['IsPrimary'] === true) {
      const siblings = this.org.liveRecordsWithValue(
        object.name,
        'OpportunityId',
        String(record['OpportunityId']),
      );
      for (const other of siblings) {
        if (
          other['Id'] !== record['Id'] &&
          other['OpportunityId'] === record['OpportunityId'] &&
          other['IsPrimary'] === true
        ) {
          this.org.put(object.name, {
            ...other,
            IsPrimary: false,
            SystemModstamp: record['SystemModstamp'] ?? null,
          });
        }
      }
    }
  }
}
