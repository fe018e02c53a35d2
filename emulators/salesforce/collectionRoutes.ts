/**
 * sObject Collections under /composite/sobjects: create, update, upsert, delete and retrieve of up to 200
 * records (2,000 ids for retrieve), per-record results with `statusCode` errors, and allOrNone rollback.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EmulatorContext } from './emulatorContext.ts';
import { ExternalIdUpsert } from './externalIdUpsert.ts';
import type { FieldDef } from './objectSchema.ts';
import { toWire } from './recordWire.ts';
import type { WriteInput } from './recordWriter.ts';
import { sessionOf, versionOf } from './restGuard.ts';
import { SalesforceApiError, type SaveError } from './salesforceApiError.ts';
import { normalizeId } from './salesforceId.ts';

const MAX_RECORDS = 200;
const MAX_RETRIEVE_IDS = 2000;
const ROLLED_BACK: SaveError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

interface SaveResult {
  id?: string;
  success: boolean;
  errors: SaveError[];
  created?: boolean;
}

interface CollectionBody {
  allOrNone: boolean;
  records: WriteInput[];
}

function collectionBody(request: FastifyRequest): CollectionBody {
  const body = request.body as { allOrNone?: unknown; records?: unknown } | undefined;
  if (!body || !Array.isArray(body.records)) {
    throw new SalesforceApiError(
      400,
      'JSON_PARSER_ERROR',
      'The request body must be {"allOrNone": boolean, "records": [...]}.',
    );
  }
  return { allOrNone: body.allOrNone === true, records: body.records as WriteInput[] };
}

function checkCount(count: number, max: number): void {
  if (count > max) {
    throw new SalesforceApiError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${max} records into this call`,
    );
  }
}

function typeOf(record: WriteInput): string {
  const attributes = record['attributes'] as { type?: unknown } | undefined;
  if (typeof attributes?.type !== 'string') {
    throw new SalesforceApiError(
      400,
      'INVALID_TYPE',
      'Each record must carry attributes.type with its sObject type.',
    );
  }
  return attributes.type;
}

export function registerCollectionRoutes(scope: FastifyInstance, context: EmulatorContext): void {
  const { org, writer } = context;
  const upserts = new ExternalIdUpsert(org, writer);
  const base = '/services/data/:version/composite/sobjects';

  /** Runs one operation per item; with allOrNone, any failure rolls every item back. */
  const runAll = <T>(items: T[], allOrNone: boolean, operation: (item: T) => SaveResult): SaveResult[] =>
    org.transaction(() => {
      const results = items.map((item) => {
        try {
          return org.transaction(() => ({ result: operation(item), commit: true }));
        } catch (error) {
          if (!(error instanceof SalesforceApiError)) throw error;
          return { success: false, errors: error.toSaveErrors() } satisfies SaveResult;
        }
      });
      const failed = results.some((result) => !result.success);
      if (!allOrNone || !failed) return { result: results, commit: true };
      const rolledBack = results.map((result) =>
        result.success ? { ...result, success: false, errors: [ROLLED_BACK] } : result,
      );
      return { result: rolledBack, commit: false };
    });

  scope.post(base, async (request) => {
    const { allOrNone, records } = collectionBody(request);
    checkCount(records.length, MAX_RECORDS);
    const userId = sessionOf(request).userId;
    return runAll(records, allOrNone, (record) => {
      if (record['id'] !== undefined || record['Id'] !== undefined) {
        throw new SalesforceApiError(400, 'INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']);
      }
      return { id: writer.create(typeOf(record), record, userId), success: true, errors: [] };
    }).map(({ id, ...rest }) => (rest.success ? { id, ...rest } : rest));
  });

  scope.patch(base, async (request) => {
    const { allOrNone, records } = collectionBody(request);
    checkCount(records.length, MAX_RECORDS);
    const userId = sessionOf(request).userId;
    return runAll(records, allOrNone, (record) => {
      const { id: lowerId, Id: upperId, ...fields } = record;
      const id = typeof lowerId === 'string' ? lowerId : typeof upperId === 'string' ? upperId : '';
      if (normalizeId(id) === null)
        throw new SalesforceApiError(400, 'MALFORMED_ID', `malformed id ${id}`, ['Id']);
      writer.update(typeOf(record), id, fields, userId);
      return { id: normalizeId(id) ?? id, success: true, errors: [] };
    });
  });

  scope.delete(base, async (request) => {
    const query = request.query as { ids?: string; allOrNone?: string };
    const ids = (query.ids ?? '').split(',').filter((id) => id !== '');
    checkCount(ids.length, MAX_RECORDS);
    const userId = sessionOf(request).userId;
    return runAll(ids, query.allOrNone === 'true', (id) => {
      writer.delete(id, userId);
      return { id: normalizeId(id) ?? id, success: true, errors: [] };
    });
  });

  scope.patch<{ Params: { version: string; type: string; field: string } }>(
    `${base}/:type/:field`,
    async (request) => {
      const { allOrNone, records } = collectionBody(request);
      checkCount(records.length, MAX_RECORDS);
      const userId = sessionOf(request).userId;
      const object = writer.object(request.params.type);
      const def = upserts.field(object, request.params.field, userId);
      const keyOf = (record: WriteInput): unknown =>
        Object.entries(record).find(([key]) => key.toLowerCase() === def.name.toLowerCase())?.[1];
      const results = runAll(records, allOrNone, (record) => {
        const value = keyOf(record);
        if (typeof value !== 'string' || value === '') {
          throw new SalesforceApiError(400, 'MISSING_ARGUMENT', `${def.name} not specified`, [def.name]);
        }
        const outcome = upserts.upsert(object, def, value, record, userId);
        if (outcome.kind === 'multiple') {
          const ids = outcome.records.map((match) => String(match['Id'])).join(', ');
          throw new SalesforceApiError(
            300,
            'DUPLICATE_EXTERNAL_ID',
            `${def.name}: more than one record found for external id field: [${ids}]`,
            [def.name],
          );
        }
        return { id: outcome.id, success: true, errors: [], created: outcome.kind === 'created' };
      });
      // A failed or rolled-back record reports whether it would have been created (no record has its key now).
      return results.map((result, index) => {
        if (result.created !== undefined && result.success) return result;
        const value = keyOf(records[index] ?? {});
        const exists =
          typeof value === 'string' && value !== '' && upserts.matching(object, def, value).length > 0;
        return { ...result, created: !exists };
      });
    },
  );

  const retrieve = (request: FastifyRequest, type: string, ids: string[], fieldNames: string[]) => {
    checkCount(ids.length, MAX_RETRIEVE_IDS);
    const userId = sessionOf(request).userId;
    const object = writer.object(type);
    const access = org.accessFor(userId);
    const fields = fieldNames.map((name): FieldDef => {
      const def = org.schema().field(object, name, access);
      if (!def)
        throw new SalesforceApiError(
          400,
          'INVALID_FIELD',
          `No such column '${name}' on entity '${object.name}'.`,
        );
      return def;
    });
    if (fields.length === 0)
      throw new SalesforceApiError(400, 'MISSING_ARGUMENT', 'The fields parameter is required.');
    return ids.map((raw) => {
      const id = normalizeId(raw);
      const record = id ? org.state.records[object.name]?.[id] : undefined;
      if (!record || record['IsDeleted'] === true) return null;
      return toWire(org.schema(), object, record, access, versionOf(request), fields);
    });
  };

  scope.post<{ Params: { version: string; type: string } }>(`${base}/:type`, async (request) => {
    const body = (request.body ?? {}) as { ids?: unknown; fields?: unknown };
    const ids = Array.isArray(body.ids) ? body.ids.map(String) : [];
    const fields = Array.isArray(body.fields) ? body.fields.map(String) : [];
    return retrieve(request, request.params.type, ids, fields);
  });

  scope.get<{ Params: { version: string; type: string } }>(`${base}/:type`, async (request) => {
    const query = request.query as { ids?: string; fields?: string };
    const split = (text: string | undefined) => (text ?? '').split(',').filter((part) => part !== '');
    return retrieve(request, request.params.type, split(query.ids), split(query.fields));
  });
}
