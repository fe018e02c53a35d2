/**
 * Control routes for org realism (validation rules, record types, duplicate rules, FLS, …), long-running
 * transactions that commit rows stamped in the past, and the UI API picklist values per record type.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CustomFieldMeta } from './customMetadata.ts';
import type { EmulatorContext } from './emulatorContext.ts';
import { noRealism, type OrgRealism, orgRealismInputSchema } from './orgRealism.ts';
import { MASTER_RECORD_TYPE_ID, recordTypesOf, stagesOf } from './recordTypes.ts';
import { sessionOf } from './restGuard.ts';
import { notFound, SalesforceApiError } from './salesforceApiError.ts';
import { normalizeId } from './salesforceId.ts';

const commitSchema = z.strictObject({
  records: z
    .array(
      z.strictObject({
        type: z.string().min(1),
        id: z.string().min(15).optional(),
        fields: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .min(1),
  username: z.string().optional(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new SalesforceApiError(400, 'INVALID_INPUT', z.prettifyError(parsed.error));
  return parsed.data;
}

/** Zod's optional keys may hold undefined; stored metadata never does. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

export function registerRealismControlRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const { org, writer } = context;

  const apply = (realism: OrgRealism) => {
    org.state.realism = realism;
    org.seedSystemRecords();
    org.schemaChanged();
    return realism;
  };

  app.get('/__emulator/org-realism', async () => org.state.realism);
  app.post('/__emulator/org-realism', async (request) => {
    const input = parse(orgRealismInputSchema, request.body);
    const next: OrgRealism = { ...org.state.realism };
    if (input.validationRules) next.validationRules = input.validationRules;
    if (input.customFields)
      next.customFields = input.customFields.map((meta) => withoutUndefined(meta) as CustomFieldMeta);
    if (input.recordTypes) {
      for (const object of new Set(input.recordTypes.map((recordType) => recordType.object))) {
        if (input.recordTypes.filter((entry) => entry.object === object && entry.default).length > 1) {
          throw new SalesforceApiError(
            400,
            'INVALID_INPUT',
            `Mark at most one ${object} record type as default.`,
          );
        }
      }
      next.recordTypes = input.recordTypes;
    }
    if (input.duplicateRules) next.duplicateRules = input.duplicateRules;
    if (input.restrictedPicklists) next.restrictedPicklists = input.restrictedPicklists;
    if (input.fieldSecurity) next.fieldSecurity = input.fieldSecurity;
    return apply(next);
  });
  app.delete('/__emulator/org-realism', async () => apply(noRealism()));

  app.post('/__emulator/transactions', async () => {
    const id = randomUUID();
    const startedAt = org.nowText();
    org.state.openTransactions = { ...(org.state.openTransactions ?? {}), [id]: startedAt };
    org.changed();
    return { id, startedAt };
  });

  app.post<{ Params: { id: string } }>('/__emulator/transactions/:id/commit', async (request) => {
    const input = parse(commitSchema, request.body);
    const startedAt = org.state.openTransactions?.[request.params.id];
    if (startedAt === undefined) {
      throw new SalesforceApiError(
        404,
        'NOT_FOUND',
        `No open transaction ${request.params.id}; open one first.`,
      );
    }
    const user = input.username
      ? org.liveRecords('User').find((candidate) => candidate['Username'] === input.username)
      : undefined;
    if (input.username && !user) throw new SalesforceApiError(404, 'NOT_FOUND', `No user ${input.username}`);
    const userId = user ? String(user['Id']) : org.state.adminUserId;
    const ids = org.transaction(() => {
      const written = input.records.map((entry) => {
        let id: string;
        if (entry.id) {
          writer.update(entry.type, entry.id, entry.fields, userId);
          id = normalizeId(entry.id) ?? entry.id;
        } else id = writer.create(entry.type, entry.fields, userId);
        const found = org.find(id);
        if (!found) throw notFound();
        // The rows carry the transaction's start time although they become visible only now.
        org.put(found.object.name, {
          ...found.record,
          LastModifiedDate: startedAt,
          SystemModstamp: startedAt,
        });
        return String(found.record['Id']);
      });
      return { result: written, commit: true };
    });
    const { [request.params.id]: _closed, ...stillOpen } = org.state.openTransactions ?? {};
    org.state.openTransactions = stillOpen;
    org.changed();
    return { ids, systemModstamp: startedAt };
  });
}

/** `GET /ui-api/object-info/{T}/picklist-values/{recordTypeId}/{field}`: the values a record type allows. */
export function registerUiApiRoutes(scope: FastifyInstance, context: EmulatorContext): void {
  const { org, writer } = context;
  scope.get<{ Params: { version: string; type: string; recordTypeId: string; field: string } }>(
    '/services/data/:version/ui-api/object-info/:type/picklist-values/:recordTypeId/:field',
    async (request) => {
      const { version, type, recordTypeId, field } = request.params;
      const object = writer.object(type);
      const def = org.schema().field(object, field, org.accessFor(sessionOf(request).userId));
      if (!def || (def.type !== 'picklist' && def.type !== 'multipicklist')) throw notFound();
      const types = recordTypesOf(org.state.realism.recordTypes, object.name);
      const chosen = types.find((entry) => entry.id === recordTypeId);
      if (!chosen && recordTypeId !== MASTER_RECORD_TYPE_ID) throw notFound();
      const allowed =
        object.name === 'Opportunity' && def.name === 'StageName' && chosen
          ? stagesOf(chosen)
          : def.picklistValues;
      const values = def.picklistValues.filter((value) => allowed.includes(value));
      return {
        controllerValues: {},
        defaultValue: null,
        eTag: `${object.name}.${def.name}.${recordTypeId}.${values.length}`,
        url: `/services/data/${version}/ui-api/object-info/${object.name}/picklist-values/${recordTypeId}/${def.name}`,
        values: values.map((value) => ({ attributes: null, label: value, validFor: [], value })),
      };
    },
  );
}
