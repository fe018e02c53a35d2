import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from './apiAuth.ts';
import type { ApiSettings } from './apiSettings.ts';
import { type IdentityProvider, REFERRALS_AUDIENCE } from './identityProvider.ts';
import { applyJsonPatch } from './jsonPatch.ts';
import { evaluateFilter, type FilterNode, ODataFilterError, parseODataFilter } from './odataFilter.ts';
import { sendPcError } from './pcError.ts';
import { isJsonObject, type JsonObject } from './referralRules.ts';
import type { ReferralService, WriteOutcome } from './referralService.ts';
import type { TokenIssuer } from './tokenIssuer.ts';
import { applyUndocumentedFilterPolicy } from './undocumentedFilterPolicy.ts';

export const MAX_PAGE_SIZE = 100;
const METADATA_CONTEXT = 'https://api.partner.microsoft.com/v1.0/$metadata#Referrals';

interface ListQuery {
  $filter?: string;
  $orderby?: string;
  $top?: string;
  $skip?: string;
  $skiptoken?: string;
  $select?: string;
}

interface ListPosition {
  filter: string | null;
  orderBy: string | null;
  select?: string | null;
  top: number;
  skip: number;
}

function encodeSkipToken(position: ListPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodeSkipToken(token: string): ListPosition | null {
  try {
    const position = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ListPosition;
    return typeof position.skip === 'number' && typeof position.top === 'number' ? position : null;
  } catch {
    return null;
  }
}

function orderReferrals(
  referrals: readonly JsonObject[],
  orderBy: string | null,
): readonly JsonObject[] | string {
  if (!orderBy) return referrals;
  const [field = '', direction = 'asc'] = orderBy.trim().split(/\s+/);
  if (field !== 'createdDateTime' && field !== 'updatedDateTime') {
    return `$orderby supports createdDateTime and updatedDateTime, not '${field}'.`;
  }
  if (direction !== 'asc' && direction !== 'desc')
    return `$orderby direction must be asc or desc, not '${direction}'.`;
  const sign = direction === 'desc' ? -1 : 1;
  // Each instant parsed once, not at every comparison: every page of a large listing sorts the whole set again.
  return referrals
    .map((referral) => ({ referral, at: Date.parse(String(referral[field])) }))
    .sort((a, b) => sign * (a.at - b.at))
    .map((entry) => entry.referral);
}

/**
 * `$select`: the named top-level properties of each item, or null for all. An unknown name is refused, as OData
 * refuses it (the real service's answer to one is undocumented).
 */
function selectedProperties(select: string | null, sample: JsonObject | undefined): string[] | null | string {
  if (select === null || select.trim() === '' || select.trim() === '*') return null;
  const names = select.split(',').map((name) => name.trim());
  const known = new Set(Object.keys(sample ?? {}));
  const unknown = sample ? names.filter((name) => !known.has(name)) : [];
  if (names.some((name) => !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) || unknown.length)
    return `$select names top-level referral properties separated by commas; '${unknown[0] ?? select}' is not one.`;
  return names;
}

function sendWriteFailure(reply: FastifyReply, outcome: Extract<WriteOutcome, { ok: false }>): FastifyReply {
  return reply
    .code(outcome.status)
    .send({ error: { code: outcome.code, message: outcome.message, target: outcome.target } });
}

function ifMatchOf(request: FastifyRequest): string | undefined {
  const value = request.headers['if-match'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The Referrals API: /v1.0/engagements/referrals (list with OData, get, create, PUT, PATCH). */
export function registerReferralRoutes(
  app: FastifyInstance,
  deps: {
    referrals: ReferralService;
    issuer: TokenIssuer;
    identity: IdentityProvider;
    settings: ApiSettings;
    apiUrl: () => string;
    now: () => Date;
  },
): void {
  const { referrals } = deps;
  const base = '/v1.0/engagements/referrals';
  const guard = (request: FastifyRequest, reply: FastifyReply) =>
    authenticate(request, reply, 'referrals', REFERRALS_AUDIENCE, deps.issuer, deps.identity);

  app.get<{ Querystring: ListQuery }>(base, async (request, reply) => {
    if (!guard(request, reply)) return reply;
    const query = request.query;
    let position: ListPosition;
    if (query.$skiptoken) {
      const decoded = decodeSkipToken(query.$skiptoken);
      if (!decoded)
        return sendPcError(
          reply,
          400,
          'invalidRequest',
          'The $skiptoken is not valid. Follow @odata.nextLink as given.',
          '$skiptoken',
        );
      position = decoded;
    } else {
      const top = query.$top === undefined ? MAX_PAGE_SIZE : Number(query.$top);
      const skip = query.$skip === undefined ? 0 : Number(query.$skip);
      if (!Number.isInteger(top) || top < 1)
        return sendPcError(reply, 400, 'invalidRequest', '$top must be a positive integer.', '$top');
      if (!Number.isInteger(skip) || skip < 0)
        return sendPcError(
          reply,
          400,
          'invalidRequest',
          '$skip must be zero or a positive integer.',
          '$skip',
        );
      position = {
        filter: query.$filter ?? null,
        orderBy: query.$orderby ?? null,
        select: query.$select ?? null,
        top: Math.min(top, MAX_PAGE_SIZE),
        skip,
      };
    }
    // Filter and order the stored referrals, then copy only the page that is sent.
    let matching: readonly JsonObject[] = referrals.view();
    if (position.filter) {
      let parsed: FilterNode;
      try {
        parsed = parseODataFilter(position.filter);
      } catch (error) {
        if (error instanceof ODataFilterError)
          return sendPcError(reply, 400, 'invalidRequest', error.message, '$filter');
        throw error;
      }
      const mode = deps.settings.values.undocumentedFilters;
      const decision = applyUndocumentedFilterPolicy(parsed, mode);
      if (decision.undocumented.length && !query.$skiptoken)
        deps.settings.noteUndocumentedFilter({
          filter: position.filter,
          fields: decision.undocumented,
          mode,
          at: deps.now().toISOString(),
        });
      if (decision.kind === 'reject')
        return sendPcError(reply, 400, 'invalidRequest', decision.message, '$filter');
      const filter = decision.kind === 'filter' ? decision.node : null;
      if (decision.kind === 'empty') matching = [];
      else if (filter) matching = matching.filter((referral) => evaluateFilter(filter, referral));
    }
    const ordered = orderReferrals(matching, position.orderBy);
    if (typeof ordered === 'string') return sendPcError(reply, 400, 'invalidRequest', ordered, '$orderby');
    const selected = selectedProperties(position.select ?? null, ordered[0]);
    if (typeof selected === 'string') return sendPcError(reply, 400, 'invalidRequest', selected, '$select');
    const slice = ordered.slice(position.skip, position.skip + position.top);
    const page = selected
      ? slice.map((referral) =>
          Object.fromEntries(selected.map((name) => [name, structuredClone(referral[name])])),
        )
      : structuredClone(slice);
    const body: JsonObject = {
      '@odata.context': METADATA_CONTEXT,
      '@odata.count': ordered.length,
      value: page,
    };
    if (position.skip + position.top < ordered.length) {
      const next = encodeSkipToken({ ...position, skip: position.skip + position.top });
      body['@odata.nextLink'] = `${deps.apiUrl()}${base}?$skiptoken=${next}`;
    }
    return body;
  });

  app.get<{ Params: { id: string } }>(`${base}/:id`, async (request, reply) => {
    if (!guard(request, reply)) return reply;
    const referral = referrals.get(request.params.id);
    if (!referral) {
      return sendPcError(
        reply,
        404,
        'itemNotFound',
        `Referral ${request.params.id} was not found. Check the id.`,
        'id',
      );
    }
    reply.header('etag', String(referral['eTag']));
    return { '@odata.context': `${METADATA_CONTEXT}/$entity`, ...referral };
  });

  app.post(base, async (request, reply) => {
    if (!guard(request, reply)) return reply;
    if (!isJsonObject(request.body))
      return sendPcError(reply, 400, 'invalidRequest', 'The body must be a referral JSON object.', 'body');
    const outcome = referrals.createByPartner(request.body);
    if (!outcome.ok) return sendWriteFailure(reply, outcome);
    reply.header('etag', String(outcome.referral['eTag']));
    return reply.code(201).send(outcome.referral);
  });

  app.put<{ Params: { id: string } }>(`${base}/:id`, async (request, reply) => {
    if (!guard(request, reply)) return reply;
    if (!isJsonObject(request.body))
      return sendPcError(reply, 400, 'invalidRequest', 'The body must be a referral JSON object.', 'body');
    const outcome = referrals.replace(request.params.id, request.body, ifMatchOf(request));
    if (!outcome.ok) return sendWriteFailure(reply, outcome);
    reply.header('etag', String(outcome.referral['eTag']));
    return outcome.referral;
  });

  app.patch<{ Params: { id: string } }>(`${base}/:id`, async (request, reply) => {
    if (!guard(request, reply)) return reply;
    const operations = request.body;
    const outcome = referrals.update(
      request.params.id,
      (current) => applyJsonPatch(current, operations),
      ifMatchOf(request),
    );
    if (!outcome.ok) return sendWriteFailure(reply, outcome);
    reply.header('etag', String(outcome.referral['eTag']));
    const prefer = String(request.headers['prefer'] ?? '');
    if (/return=representation/i.test(prefer)) return reply.code(200).send(outcome.referral);
    return reply.code(204).send();
  });
}
