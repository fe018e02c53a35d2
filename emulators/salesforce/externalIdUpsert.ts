/** Upsert and lookup by an external id (or another unique lookup field), shared by single-record and collection routes. */
import type { FieldDef, ObjectDef, SfRecord } from './objectSchema.ts';
import type { RecordWriter, WriteInput } from './recordWriter.ts';
import { SalesforceApiError } from './salesforceApiError.ts';
import { normalizeId } from './salesforceId.ts';
import type { SalesforceOrg } from './salesforceOrg.ts';

export type UpsertOutcome =
  | { kind: 'created'; id: string }
  | { kind: 'updated'; id: string }
  | { kind: 'multiple'; records: SfRecord[] };

export class ExternalIdUpsert {
  constructor(
    private readonly org: SalesforceOrg,
    private readonly writer: RecordWriter,
  ) {}

  /** The external-id field named by a caller (404 NOT_FOUND when it is missing, hidden or not an id field). */
  field(object: ObjectDef, name: string, userId: string): FieldDef {
    const def = this.org.schema().field(object, name, this.org.accessFor(userId));
    if (!def || !(def.externalId || def.unique || def.name === 'Id')) {
      throw new SalesforceApiError(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${name}`,
      );
    }
    return def;
  }

  matching(object: ObjectDef, def: FieldDef, value: string): SfRecord[] {
    if (def.name === 'Id') {
      const id = normalizeId(value);
      const record = id ? this.org.table(object.name)[id] : undefined;
      return record && record['IsDeleted'] !== true ? [record] : [];
    }
    return this.org
      .liveRecordsWithValue(object.name, def.name, value)
      .filter((record) => !def.caseSensitive || String(record[def.name]) === value);
  }

  /** Creates when nothing matches, updates the single match, reports several matches. */
  upsert(
    object: ObjectDef,
    def: FieldDef,
    value: string,
    input: WriteInput,
    userId: string,
    options: { updateOnly?: boolean; beforeUpdate?: (record: SfRecord) => void } = {},
  ): UpsertOutcome {
    const fields = { ...input };
    for (const key of Object.keys(fields)) {
      if (key.toLowerCase() !== def.name.toLowerCase()) continue;
      if (fields[key] !== value) {
        throw new SalesforceApiError(
          400,
          'INVALID_FIELD',
          `The external ID field ${def.name} in the body must match the upsert key ${value}.`,
          [def.name],
        );
      }
      delete fields[key];
    }
    const records = this.matching(object, def, value);
    if (records.length > 1) return { kind: 'multiple', records };
    const [record] = records;
    if (!record) {
      if (options.updateOnly || def.name === 'Id') {
        throw new SalesforceApiError(
          404,
          'NOT_FOUND',
          `No ${object.name} record has ${def.name} = ${value}; nothing was updated.`,
        );
      }
      return {
        kind: 'created',
        id: this.writer.create(object.name, { ...fields, [def.name]: value }, userId),
      };
    }
    options.beforeUpdate?.(record);
    const id = String(record['Id']);
    this.writer.update(object.name, id, fields, userId);
    return { kind: 'updated', id };
  }
}
