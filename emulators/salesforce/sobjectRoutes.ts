/**
 * Record and describe routes under /services/data/vXX.X/: version root, limits, sobjects, describe,
 * record CRUD with conditional headers, upsert and lookup by external id, updated/deleted.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeGlobal, describeSObject } from './describeResult.ts';
import type { EmulatorContext } from './emulatorContext.ts';
import { ExternalIdUpsert } from './externalIdUpsert.ts';
import { identityOf } from './oauthRoutes.ts';
import type { FieldDef, ObjectDef, SfRecord } from './objectSchema.ts';
import { recordUrl, toWire } from './recordWire.ts';
import type { WriteInput } from './recordWriter.ts';
import { sessionOf, versionNumber, versionOf } from './restGuard.ts';
import { notFound, SalesforceApiError } from './salesforceApiError.ts';
import { normalizeId } from './salesforceId.ts';
import { formatDateTime, parseDateTime } from './sfDateTime.ts';

type TypeParams = { version: string; type: string };
type RecordParams = TypeParams & { id: string };
type ExternalParams = TypeParams & { field: string; value: string };

function bodyObject(request: FastifyRequest): WriteInput {
  const body = request.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new SalesforceApiError(
      400,
      'JSON_PARSER_ERROR',
      'The request body must be a JSON object of field values.',
    );
  }
  return body as WriteInput;
}

function headerDate(request: FastifyRequest, name: string): Date | null {
  const raw = request.headers[name];
  if (typeof raw !== 'string' || raw === '') return null;
  const at = new Date(raw);
  if (Number.isNaN(at.getTime())) {
    throw new SalesforceApiError(
      400,
      'INVALID_HEADER_VALUE',
      `The ${name} header is not a valid HTTP date: ${raw}`,
    );
  }
  return at;
}

function modifiedAt(record: SfRecord): Date {
  return parseDateTime(String(record['LastModifiedDate'])) ?? new Date(0);
}

export function registerSObjectRoutes(scope: FastifyInstance, context: EmulatorContext): void {
  const { org, writer } = context;
  const upserts = new ExternalIdUpsert(org, writer);
  const base = '/services/data/:version';

  const userAccess = (request: FastifyRequest) => org.accessFor(sessionOf(request).userId);

  const checkUnmodifiedSince = (request: FastifyRequest, record: SfRecord) => {
    const since = headerDate(request, 'if-unmodified-since');
    if (since && modifiedAt(record).getTime() > since.getTime()) {
      throw new SalesforceApiError(
        412,
        'PRECONDITION_FAILED',
        `The requested resource has been modified since ${since.toUTCString()}: it was last modified at ${String(record['LastModifiedDate'])}. Read it again and retry.`,
      );
    }
  };

  const sendRecord = (request: FastifyRequest, reply: FastifyReply, object: ObjectDef, record: SfRecord) => {
    const since = headerDate(request, 'if-modified-since');
    const lastModified = modifiedAt(record);
    reply.header('last-modified', lastModified.toUTCString());
    if (since && lastModified.getTime() <= since.getTime()) return reply.code(304).send();
    const access = userAccess(request);
    const fieldsParam = (request.query as { fields?: string }).fields;
    let onlyFields: FieldDef[] | undefined;
    if (fieldsParam) {
      onlyFields = fieldsParam.split(',').map((name) => {
        const def = org.schema().field(object, name.trim(), access);
        if (!def) {
          throw new SalesforceApiError(
            400,
            'INVALID_FIELD',
            `No such column '${name.trim()}' on entity '${object.name}'.`,
          );
        }
        return def;
      });
    }
    return reply.send(toWire(org.schema(), object, record, access, versionOf(request), onlyFields));
  };

  scope.get<{ Params: { version: string } }>(base, async (request) => ({
    ...Object.fromEntries(
      ['sobjects', 'query', 'queryAll', 'limits', 'composite'].map((name) => [
        name,
        `/services/data/${request.params.version}/${name}`,
      ]),
    ),
    identity: identityOf(context, sessionOf(request).userId)['id'],
  }));

  scope.get(`${base}/limits`, async () => {
    const usage = org.state.apiUsage;
    return {
      DailyApiRequests: { Max: usage.max, Remaining: Math.max(0, usage.max - usage.used) },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
      DataStorageMB: { Max: 5, Remaining: 5 },
      FileStorageMB: { Max: 20, Remaining: 20 },
    };
  });

  scope.get<{ Params: { version: string } }>(`${base}/sobjects`, async (request) =>
    describeGlobal(org.schema(), request.params.version),
  );

  scope.get<{ Params: TypeParams }>(`${base}/sobjects/:type`, async (request) => {
    const object = writer.object(request.params.type);
    const summary = describeGlobal(org.schema(), request.params.version)['sobjects'] as Array<{
      name: string;
    }>;
    return { objectDescribe: summary.find((entry) => entry.name === object.name), recentItems: [] };
  });

  scope.get<{ Params: TypeParams }>(`${base}/sobjects/:type/describe`, async (request) => {
    const object = writer.object(request.params.type);
    return describeSObject(
      org.schema(),
      object,
      userAccess(request),
      request.params.version,
      org.state.realism.recordTypes,
    );
  });

  scope.post<{ Params: TypeParams }>(`${base}/sobjects/:type`, async (request, reply) => {
    const id = writer.create(request.params.type, bodyObject(request), sessionOf(request).userId);
    return reply.code(201).send({ id, success: true, errors: [] });
  });

  const changeWindow = (request: FastifyRequest) => {
    const query = request.query as { start?: string; end?: string };
    const start = query.start ? parseDateTime(query.start) : null;
    const end = query.end ? parseDateTime(query.end) : null;
    if (!start || !end || start.getTime() >= end.getTime()) {
      throw new SalesforceApiError(
        400,
        'INVALID_REPLICATION_DATE',
        'start and end must be valid datetimes, with start before end',
      );
    }
    return { start, end };
  };

  scope.get<{ Params: TypeParams }>(`${base}/sobjects/:type/updated`, async (request) => {
    const object = writer.object(request.params.type);
    const { start, end } = changeWindow(request);
    const ids = org
      .liveRecords(object.name)
      .filter((record) => {
        const at = parseDateTime(String(record['SystemModstamp']))?.getTime() ?? 0;
        return at >= start.getTime() && at < end.getTime();
      })
      .map((record) => record['Id']);
    // A long-running transaction still open holds latestDateCovered at its start: rows it commits later
    // carry that SystemModstamp, so the next window must begin there.
    const openSince = Object.values(org.state.openTransactions ?? {})
      .map((at) => parseDateTime(at)?.getTime() ?? end.getTime())
      .reduce((earliest, at) => Math.min(earliest, at), end.getTime());
    return { ids, latestDateCovered: formatDateTime(new Date(openSince)) };
  });

  scope.get<{ Params: TypeParams }>(`${base}/sobjects/:type/deleted`, async (request) => {
    const object = writer.object(request.params.type);
    const { start, end } = changeWindow(request);
    const deletedRecords = Object.values(org.table(object.name))
      .filter((record) => record['IsDeleted'] === true)
      .map((record) => ({
        id: String(record['Id']),
        deletedDate: org.state.deletedAt[String(record['Id'])] ?? '',
      }))
      .filter((entry) => {
        const at = parseDateTime(entry.deletedDate)?.getTime() ?? 0;
        return at >= start.getTime() && at < end.getTime();
      });
    return {
      deletedRecords,
      earliestDateAvailable: formatDateTime(start),
      latestDateCovered: formatDateTime(end),
    };
  });

  scope.get<{ Params: RecordParams }>(`${base}/sobjects/:type/:id`, async (request, reply) => {
    const object = writer.object(request.params.type);
    if (normalizeId(request.params.id) === null) {
      throw new SalesforceApiError(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${request.params.id}`,
      );
    }
    return sendRecord(request, reply, object, writer.existing(object, request.params.id));
  });

  scope.patch<{ Params: RecordParams }>(`${base}/sobjects/:type/:id`, async (request, reply) => {
    const object = writer.object(request.params.type);
    checkUnmodifiedSince(request, writer.existing(object, request.params.id));
    writer.update(object.name, request.params.id, bodyObject(request), sessionOf(request).userId);
    return reply.code(204).send();
  });

  scope.delete<{ Params: RecordParams }>(`${base}/sobjects/:type/:id`, async (request, reply) => {
    const object = writer.object(request.params.type);
    checkUnmodifiedSince(request, writer.existing(object, request.params.id));
    writer.delete(request.params.id, sessionOf(request).userId, object.name);
    return reply.code(204).send();
  });

  const multipleChoices = (reply: FastifyReply, version: string, object: ObjectDef, records: SfRecord[]) =>
    reply.code(300).send(records.map((record) => recordUrl(version, object.name, record['Id'])));

  scope.get<{ Params: ExternalParams }>(`${base}/sobjects/:type/:field/:value`, async (request, reply) => {
    const object = writer.object(request.params.type);
    const recordId = normalizeId(request.params.field);
    if (recordId !== null) {
      const record = writer.existing(object, recordId);
      const def = org.schema().field(object, request.params.value, userAccess(request));
      if (def?.type !== 'base64' || typeof record[def.name] !== 'string') throw notFound();
      return reply.type('application/octet-stream').send(Buffer.from(String(record[def.name]), 'base64'));
    }
    const def = upserts.field(object, request.params.field, sessionOf(request).userId);
    const records = upserts.matching(object, def, request.params.value);
    if (records.length > 1) return multipleChoices(reply, request.params.version, object, records);
    const [record] = records;
    if (!record) throw notFound();
    return sendRecord(request, reply, object, record);
  });

  scope.patch<{ Params: ExternalParams }>(`${base}/sobjects/:type/:field/:value`, async (request, reply) => {
    const { version, field, value } = request.params;
    const object = writer.object(request.params.type);
    const userId = sessionOf(request).userId;
    const def = upserts.field(object, field, userId);
    const outcome = upserts.upsert(object, def, value, bodyObject(request), userId, {
      updateOnly: (request.query as { updateOnly?: string }).updateOnly === 'true',
      beforeUpdate: (record) => checkUnmodifiedSince(request, record),
    });
    if (outcome.kind === 'multiple') return multipleChoices(reply, version, object, outcome.records);
    if (outcome.kind === 'created')
      return reply.code(201).send({ id: outcome.id, success: true, errors: [], created: true });
    if (versionNumber(version) < 46) return reply.code(204).send();
    return reply.code(200).send({ id: outcome.id, success: true, errors: [], created: false });
  });
}
