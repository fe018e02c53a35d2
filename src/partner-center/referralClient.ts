/**
 * Client for the Partner Center Referrals API (`/v1.0/engagements/referrals`). Reads are retried
 * (bounded, with backoff); writes are sent once. Every failure is an UpstreamError classified in
 * partnerCenterError.ts. Responses are normalised into `PcReferral` (referralWire.ts).
 */
import type { Logger } from '../shared/logger.ts';
import { UpstreamError } from '../shared/upstreamError.ts';
import {
  type PartnerCenterClientOptions,
  PartnerCenterHttp,
  type PartnerCenterResponse,
} from './partnerCenterHttp.ts';
import {
  type PcReferral,
  parseReferral,
  parseReferralVersion,
  type ReferralVersion,
  toIfMatch,
} from './referralWire.ts';

export const PARTNER_CENTER_REFERRALS_BASE_URL = 'https://api.partner.microsoft.com/v1.0/engagements';

/** `baseUrl` goes up to and including `/v1.0/engagements`; tokens are for `https://api.partner.microsoft.com/.default`. */
export type ReferralClientOptions = PartnerCenterClientOptions;

export interface ListReferralsQuery {
  /** OData `$filter`, e.g. `status eq 'New' and direction eq 'Incoming'`. */
  filter?: string;
  /** OData `$orderby`, e.g. `updatedDateTime desc`. */
  orderBy?: string;
  /** OData `$top`: page size asked of the server. */
  top?: number;
  /** OData `$select`: the top-level properties wanted of each item (a server may send more). */
  select?: readonly string[];
}

/** A JSON Patch operation as the Referrals API accepts it (only `replace` and `add`). */
export interface ReferralPatchOperation {
  op: 'replace' | 'add';
  path: string;
  value: unknown;
}

/** The body of a create: the referral's writable fields in wire (camelCase) form. */
export type NewPcReferral = Record<string, unknown> & {
  name: string;
  type: 'Independent' | 'Shared';
  customerProfile: Record<string, unknown>;
  consent: Record<string, unknown>;
  details: Record<string, unknown>;
};

export interface ReferralWithETag {
  referral: PcReferral;
  eTag: string | null;
}

/** Fields Partner Center owns; they are removed from a PUT body. */
const READ_ONLY_FIELDS = ['links', 'eTag', 'createdDateTime', 'updatedDateTime'];

export class ReferralClient {
  private readonly http: PartnerCenterHttp;
  private readonly logger: Logger | undefined;

  constructor(options: ReferralClientOptions) {
    const { baseUrl, ...rest } = options;
    this.http = new PartnerCenterHttp({
      ...rest,
      baseUrl: baseUrl ?? PARTNER_CENTER_REFERRALS_BASE_URL,
      apiName: 'Referrals API',
    });
    this.logger = options.logger;
  }

  /** Every referral matching the query, following `@odata.nextLink` page after page. */
  async *list(query: ListReferralsQuery = {}): AsyncGenerator<PcReferral> {
    for await (const item of this.listItems(query)) {
      const parsed = parseReferral(item);
      if (parsed.ok) yield parsed.value;
      else
        this.logger?.warn({ error: parsed.error }, 'skipped an unreadable referral in a Partner Center list');
    }
  }

  /**
   * The id and engagement id of every referral matching the query, listed with `$select` and read without parsing
   * the whole referral (a cheap first pass over a large listing). Items without an id are skipped.
   */
  async *listKeys(
    query: ListReferralsQuery = {},
  ): AsyncGenerator<{ id: string; engagementId: string | null }> {
    for await (const item of this.listItems({ ...query, select: ['id', 'engagementId'] })) {
      const record = item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : {};
      const { id, engagementId } = record;
      if (typeof id === 'string' && id !== '')
        yield {
          id,
          engagementId: typeof engagementId === 'string' && engagementId !== '' ? engagementId : null,
        };
    }
  }

  /** The raw items of every page, following `@odata.nextLink`. */
  private async *listItems(query: ListReferralsQuery): AsyncGenerator<unknown> {
    let next: string | null = null;
    do {
      const response: PartnerCenterResponse = await this.http.send(
        next === null
          ? {
              method: 'GET',
              path: '/referrals',
              query: {
                $filter: query.filter,
                $orderby: query.orderBy,
                $top: query.top,
                $select: query.select?.join(','),
              },
            }
          : { method: 'GET', path: next },
      );
      const page = readPage(response.body);
      yield* page.items;
      next = page.nextLink;
    } while (next !== null);
  }

  /** Collects `list()` into an array (for small result sets). */
  async listAll(query: ListReferralsQuery = {}): Promise<PcReferral[]> {
    const referrals: PcReferral[] = [];
    for await (const referral of this.list(query)) referrals.push(referral);
    return referrals;
  }

  async get(id: string): Promise<ReferralWithETag> {
    const response = await this.http.send({ method: 'GET', path: `/referrals/${encodeURIComponent(id)}` });
    const referral = this.toReferral(response, `GET referral ${id}`);
    return { referral, eTag: referral.eTag ?? response.headers.get('etag') };
  }

  /** Creates a referral. Not idempotent: record the intent first and recover with `findCreatedSince`. */
  async create(referral: NewPcReferral): Promise<PcReferral> {
    const response = await this.http.send({ method: 'POST', path: '/referrals', body: referral });
    return this.toReferral(response, 'create referral');
  }

  /**
   * Applies JSON Patch operations and answers the version the change made (id, eTag, engagement, update time):
   * what a writer records, read without normalising the whole referral (`get` reads it whole). With `ifMatch` the
   * change is refused with a `conflict` error (HTTP 412) when the referral changed since it was read.
   */
  async patch(
    id: string,
    operations: ReferralPatchOperation[],
    options: { ifMatch?: string } = {},
  ): Promise<ReferralVersion> {
    const response = await this.sendPatch(id, operations, options);
    // Without a representation (204), read the result back.
    if (response.body === null) return (await this.get(id)).referral;
    const parsed = parseReferralVersion(response.body);
    if (parsed.ok) return parsed.value;
    throw this.unreadable(response, parsed.error, `PATCH referral ${id}`);
  }

  private sendPatch(
    id: string,
    operations: ReferralPatchOperation[],
    options: { ifMatch?: string },
  ): Promise<PartnerCenterResponse> {
    return this.http.send({
      method: 'PATCH',
      path: `/referrals/${encodeURIComponent(id)}`,
      body: operations,
      headers: {
        prefer: 'return=representation',
        ...(options.ifMatch === undefined ? {} : { 'if-match': toIfMatch(options.ifMatch) }),
      },
    });
  }

  /** Replaces the whole referral. Partner Center requires the eTag it was read with. */
  async put(
    id: string,
    referral: Record<string, unknown>,
    options: { ifMatch: string },
  ): Promise<PcReferral> {
    const body = Object.fromEntries(
      Object.entries(referral).filter(([key]) => !READ_ONLY_FIELDS.includes(key)),
    );
    const response = await this.http.send({
      method: 'PUT',
      path: `/referrals/${encodeURIComponent(id)}`,
      body,
      headers: { 'if-match': toIfMatch(options.ifMatch) },
    });
    if (response.body === null) return (await this.get(id)).referral;
    return this.toReferral(response, `PUT referral ${id}`);
  }

  /**
   * The referral created for a CRM record (its `externalReferenceId`) at or after `sinceAt`, if any: recovers a
   * create whose answer was lost. `externalReferenceId` is not a documented filter field (Partner Center may ignore
   * or refuse such a filter), so this asks only what the docs support — referrals updated since `sinceAt` (a new
   * one was updated when it was created), newest created first — matches the id itself, and stops at the first
   * referral created before `sinceAt`.
   */
  async findCreatedSince(externalReferenceId: string, sinceAt: string): Promise<PcReferral | null> {
    const sinceMs = Date.parse(sinceAt);
    for await (const referral of this.list({
      filter: `updatedDateTime ge ${sinceAt}`,
      orderBy: 'createdDateTime desc',
    })) {
      if (referral.createdDateTime !== null && Date.parse(referral.createdDateTime) < sinceMs) return null;
      if (referral.externalReferenceId === externalReferenceId) return referral;
    }
    return null;
  }

  /** All referrals of an engagement: ours, Microsoft's and other partners'. */
  async listRelated(engagementId: string): Promise<PcReferral[]> {
    const related = await this.listAll({ filter: `engagementId eq ${odataString(engagementId)}` });
    return related.filter((referral) => referral.engagementId === engagementId);
  }

  private toReferral(response: PartnerCenterResponse, what: string): PcReferral {
    const parsed = parseReferral(response.body);
    if (parsed.ok) return parsed.value;
    throw this.unreadable(response, parsed.error, what);
  }

  private unreadable(
    response: PartnerCenterResponse,
    error: { code: string; message: string },
    what: string,
  ): UpstreamError {
    return new UpstreamError({
      kind: 'permanent',
      upstream: 'partnerCenter',
      status: response.status,
      code: error.code,
      message: `${error.message} (${what}). Report this with the payload if it persists.`,
    });
  }
}

/** An OData string literal: single-quoted, embedded quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function readPage(body: unknown): { items: unknown[]; nextLink: string | null } {
  const record = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const value = record['value'] ?? record['items'];
  const nextLink = record['@odata.nextLink'] ?? record['nextLink'];
  return {
    items: Array.isArray(value) ? value : [],
    nextLink: typeof nextLink === 'string' && nextLink !== '' ? nextLink : null,
  };
}
