import type { Connection, DescribeSObjectResult } from 'jsforce';
import type { Result } from '../shared/result.ts';
import { type ErrorKind, UpstreamError } from '../shared/upstreamError.ts';
import { classifySalesforceError, kindOfSalesforceCode } from './classifySalesforceError.ts';
import { type RetryAfterSlot, watchRetryAfter, withRetryAfterSlot } from './retryAfterCapture.ts';
import { packageApiNames } from './salesforceFieldNames.ts';
import {
  explainSalesforceRejection,
  ORG_RULE_CODES,
  type SalesforceRejection,
} from './salesforceRejection.ts';
import { parseSalesforceDateTime, soqlString } from './soqlLiteral.ts';

/** sObject Collections accept at most 200 records per call. */
export const SALESFORCE_COLLECTION_SIZE = 200;

/** A record as sent to Salesforce: field API name → value. */
export type SalesforceRecordInput = Record<string, unknown>;

export interface SalesforceRecordError {
  code: string;
  message: string;
  kind: ErrorKind;
  fields: string[];
  /** Set when the org's rules refused the record (validation rule, duplicate rule, …): summary and fix. */
  rejection?: SalesforceRejection;
}

export interface SavedRecord {
  id: string;
  /** Upserts only: true when the record was inserted. */
  created?: boolean;
}

export type SaveOutcome = Result<SavedRecord, SalesforceRecordError>;

export interface ApiUsage {
  used: number;
  max: number;
}

interface WireSaveError {
  statusCode?: string;
  errorCode?: string;
  message?: string;
  fields?: string[];
  duplicateResult?: { duplicateRule?: string };
}

interface WireSaveResult {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors?: WireSaveError[];
}

interface WireCompositeResult {
  body: unknown;
  httpStatusCode: number;
  referenceId: string;
}

/** The error entries of a subrequest's answer body (Salesforce sends a list of them). */
function errorEntries(body: unknown): WireSaveError[] {
  return Array.isArray(body) ? (body as WireSaveError[]) : [];
}

function toOutcome(result: WireSaveResult): SaveOutcome {
  if (result.success && result.id) {
    return {
      ok: true,
      value: { id: result.id, ...(result.created === undefined ? {} : { created: result.created }) },
    };
  }
  const first = result.errors?.[0];
  const code = first?.statusCode ?? first?.errorCode ?? 'UNKNOWN_ERROR';
  const message = first?.message ?? 'Salesforce did not save the record and gave no reason.';
  const fields = first?.fields ?? [];
  const rejection = ORG_RULE_CODES.has(code)
    ? explainSalesforceRejection({
        code,
        message,
        fields,
        duplicateRule: first?.duplicateResult?.duplicateRule ?? null,
      })
    : undefined;
  return {
    ok: false,
    error: { code, message, kind: kindOfSalesforceCode(code), fields, ...(rejection ? { rejection } : {}) },
  };
}

/** How a query is named in errors: its SOQL, shortened. */
export function queryOperation(soql: string): string {
  return `query ${soql.length > 120 ? `${soql.slice(0, 117)}...` : soql}`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One subrequest of a Composite call; `path` follows /services/data/vXX.X (e.g. `/query?q=…`). */
export interface CompositeSubrequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  referenceId: string;
  body?: unknown;
  /** Headers of this subrequest alone, e.g. `If-Unmodified-Since` on a record PATCH. */
  httpHeaders?: Record<string, string>;
}

/** A record update that only lands when the record was not modified after `unmodifiedSince`. */
export interface ConditionalUpdate {
  record: SalesforceRecordInput & { Id: string };
  /** A Salesforce datetime (e.g. the SystemModstamp the caller read); null updates unconditionally. */
  unmodifiedSince: string | null;
}

/** A subrequest's answer body, or its error classified as any other Salesforce error. */
export type CompositeAnswer = Result<unknown, UpstreamError>;

/** A page of SOQL rows as Salesforce sends it. */
export interface QueryPage<T> {
  records: T[];
  done?: boolean;
  nextRecordsUrl?: string;
}

/** Salesforce runs at most 25 subrequests per Composite call, at most 5 of them queries. */
export const COMPOSITE_MAX_SUBREQUESTS = 25;

export interface QueryOptions {
  /** Also return deleted (recycle bin) rows, through /queryAll; they carry IsDeleted = true. */
  includeDeleted?: boolean;
}

export interface SalesforceClientOptions {
  /** Field API names in use; an INVALID_FIELD on one of them tells the user to install the package. */
  packageFieldNames?: readonly string[];
}

/**
 * Typed helpers over a jsforce Connection. Every failure leaves as an UpstreamError classified once here;
 * per-record failures of collection calls are returned as values with their kind.
 */
export class SalesforceClient {
  private readonly describeCache = new Map<string, Promise<DescribeSObjectResult>>();
  private readonly packageFieldNames: readonly string[];

  constructor(
    readonly conn: Connection,
    options: SalesforceClientOptions = {},
  ) {
    this.packageFieldNames = options.packageFieldNames ?? packageApiNames();
    watchRetryAfter(conn);
  }

  /** Runs one jsforce call and classifies whatever it throws (with the Retry-After of a 429 or 503). */
  async call<T>(operation: string, fn: (conn: Connection) => PromiseLike<T>): Promise<T> {
    const slot: RetryAfterSlot = { retryAfterSeconds: null };
    try {
      return await withRetryAfterSlot(slot, () => fn(this.conn));
    } catch (error) {
      throw classifySalesforceError(error, {
        operation,
        packageFieldNames: this.packageFieldNames,
        retryAfterSeconds: slot.retryAfterSeconds,
      });
    }
  }

  /** Creates records in collections of 200; one outcome per input record, in order. */
  createMany(sobject: string, records: readonly SalesforceRecordInput[]): Promise<SaveOutcome[]> {
    return this.collection(`create ${sobject} records`, records, (conn, chunk) =>
      conn.sobject(sobject).create(chunk, { allOrNone: false }),
    );
  }

  /** Updates records (each with `Id`) in collections of 200; one outcome per input record, in order. */
  updateMany(sobject: string, records: readonly SalesforceRecordInput[]): Promise<SaveOutcome[]> {
    return this.collection(`update ${sobject} records`, records, (conn, chunk) =>
      conn
        .sobject(sobject)
        .update(chunk as Array<SalesforceRecordInput & { Id: string }>, { allOrNone: false }),
    );
  }

  /** Upserts records on an external-id field in collections of 200; one outcome per input record, in order. */
  upsertMany(
    sobject: string,
    externalIdField: string,
    records: readonly SalesforceRecordInput[],
  ): Promise<SaveOutcome[]> {
    return this.collection(`upsert ${sobject} records on ${externalIdField}`, records, (conn, chunk) =>
      conn.sobject(sobject).upsert(chunk, externalIdField, { allOrNone: false }),
    );
  }

  /** Deletes records by id in collections of 200; one outcome per id, in order. */
  deleteMany(sobject: string, ids: readonly string[]): Promise<SaveOutcome[]> {
    return this.collection(
      `delete ${sobject} records`,
      ids.map((Id) => ({ Id })),
      (conn, chunk) =>
        conn.sobject(sobject).destroy(
          chunk.map((record) => String(record['Id'])),
          { allOrNone: false },
        ),
    );
  }

  private async collection(
    operation: string,
    records: readonly SalesforceRecordInput[],
    send: (conn: Connection, chunk: SalesforceRecordInput[]) => PromiseLike<unknown>,
  ): Promise<SaveOutcome[]> {
    const outcomes: SaveOutcome[] = [];
    for (const chunk of chunks(records, SALESFORCE_COLLECTION_SIZE)) {
      const results = (await this.call(operation, (conn) => send(conn, chunk))) as WireSaveResult[];
      outcomes.push(...results.map(toOutcome));
    }
    return outcomes;
  }

  /** Creates one record; a rejected record throws an UpstreamError of its kind. */
  async create(sobject: string, record: SalesforceRecordInput): Promise<string> {
    const operation = `create ${sobject}`;
    const result = (await this.call(operation, (conn) =>
      conn.sobject(sobject).create(record),
    )) as WireSaveResult;
    return this.single(operation, toOutcome(result)).id;
  }

  /** Updates one record (`Id` required); a rejected record throws an UpstreamError of its kind. */
  async update(sobject: string, record: SalesforceRecordInput & { Id: string }): Promise<void> {
    const operation = `update ${sobject} ${record.Id}`;
    const result = (await this.call(operation, (conn) =>
      conn.sobject(sobject).update(record),
    )) as WireSaveResult;
    this.single(operation, toOutcome(result));
  }

  /**
   * Inserts or updates the one record whose external-id field holds the value in `record`.
   * Several matching records throw a `conflict` (MULTIPLE_CHOICES).
   */
  async upsert(
    sobject: string,
    externalIdField: string,
    record: SalesforceRecordInput,
  ): Promise<SavedRecord> {
    const value = record[externalIdField];
    if (typeof value !== 'string' || value === '') {
      throw new UpstreamError({
        kind: 'permanent',
        upstream: 'internal',
        message: `upsert ${sobject} needs a value in ${externalIdField}; the record has none.`,
      });
    }
    const operation = `upsert ${sobject} on ${externalIdField} = ${value}`;
    const result = (await this.call(operation, (conn) =>
      conn.sobject(sobject).upsert(record, externalIdField),
    )) as WireSaveResult;
    if (result.success && !result.id) {
      // Pre-v46 update answers (204) carry no id: look it up so callers always get one.
      const found = await this.call(operation, (conn) =>
        conn.query<{ Id: string }>(
          `SELECT Id FROM ${sobject} WHERE ${externalIdField} = ${soqlString(value)} LIMIT 1`,
        ),
      );
      return { id: found.records[0]?.Id ?? '', created: false };
    }
    return this.single(operation, toOutcome(result));
  }

  private single(operation: string, outcome: SaveOutcome): SavedRecord {
    if (outcome.ok) return outcome.value;
    const error = outcome.error;
    throw classifySalesforceError(
      {
        errorCode: error.code,
        message: error.fields.length ? `${error.message} [${error.fields.join(', ')}]` : error.message,
        data: {
          errorCode: error.code,
          message: error.message,
          fields: error.fields,
          ...(error.rejection?.rule ? { duplicateResult: { duplicateRule: error.rejection.rule } } : {}),
        },
      },
      { operation, packageFieldNames: this.packageFieldNames },
    );
  }

  /** Reads one record by id (only the given fields); null when it does not exist. */
  async retrieve<T extends Record<string, unknown>>(
    sobject: string,
    id: string,
    fields: readonly string[],
  ): Promise<T | null> {
    try {
      return (await this.call(`read ${sobject} ${id}`, (conn) =>
        conn.sobject(sobject).retrieve(id, { fields: [...fields] }),
      )) as unknown as T;
    } catch (error) {
      const code = (error as UpstreamError).code;
      if (code === 'NOT_FOUND' || code === 'ENTITY_IS_DELETED') return null;
      throw error;
    }
  }

  /** Every row of a SOQL query, page after page (each page is fetched when the previous one is used up). */
  async *query<T extends Record<string, unknown>>(
    soql: string,
    options: QueryOptions = {},
  ): AsyncGenerator<T> {
    const operation = queryOperation(soql);
    const first = await this.call(operation, (conn) =>
      conn.query<T>(soql, { autoFetch: false, scanAll: options.includeDeleted === true }),
    );
    yield* this.rowsFrom<T>(operation, first as QueryPage<T>);
  }

  /** The rows of a first page already read (e.g. by a Composite subrequest), then of the pages after it. */
  async *rowsFrom<T extends Record<string, unknown>>(
    operation: string,
    first: QueryPage<T>,
  ): AsyncGenerator<T> {
    let page = first;
    for (;;) {
      for (const record of page.records) yield record as T;
      const next = page.nextRecordsUrl;
      if (page.done !== false || !next) return;
      page = (await this.call(operation, (conn) => conn.queryMore<T>(next))) as QueryPage<T>;
    }
  }

  /**
   * Runs up to 25 subrequests (at most 5 queries) in one Composite call, which Salesforce counts as one API
   * request. Subrequests are independent (allOrNone false); each answer is its body or its classified error.
   */
  async composite(
    operation: string,
    subrequests: readonly CompositeSubrequest[],
  ): Promise<CompositeAnswer[]> {
    const answers = await this.compositeRaw(operation, subrequests);
    return subrequests.map((subrequest, i): CompositeAnswer => {
      const result = answers[i];
      if (result && result.httpStatusCode < 400) return { ok: true, value: result.body };
      const entries = errorEntries(result?.body);
      const first = entries[0];
      const error = Object.assign(
        new Error(first?.message ?? `Salesforce did not answer subrequest ${subrequest.referenceId}`),
        { errorCode: first?.errorCode ?? 'UNKNOWN_EXCEPTION', data: entries },
      );
      return {
        ok: false,
        error: classifySalesforceError(error, {
          operation: `${operation} (${subrequest.referenceId})`,
          packageFieldNames: this.packageFieldNames,
        }),
      };
    });
  }

  /**
   * Updates records one PATCH each, 25 to a Composite call, each sent with `If-Unmodified-Since`: a record
   * changed after that instant is not written and answers PRECONDITION_FAILED (a `conflict`). Weak validation:
   * Salesforce compares whole seconds of LastModifiedDate. One outcome per input, in order.
   */
  async updateEachUnlessModified(
    sobject: string,
    updates: readonly ConditionalUpdate[],
  ): Promise<SaveOutcome[]> {
    const outcomes: SaveOutcome[] = [];
    for (const chunk of chunks(updates, COMPOSITE_MAX_SUBREQUESTS)) {
      const subrequests = chunk.map(({ record, unmodifiedSince }, i): CompositeSubrequest => {
        const { Id, ...fields } = record;
        const since = unmodifiedSince ? parseSalesforceDateTime(unmodifiedSince) : null;
        return {
          method: 'PATCH',
          path: `/sobjects/${sobject}/${encodeURIComponent(Id)}`,
          referenceId: `u${i}`,
          body: fields,
          ...(since ? { httpHeaders: { 'If-Unmodified-Since': since.toUTCString() } } : {}),
        };
      });
      const answers = await this.compositeRaw(`update ${sobject} records unless modified`, subrequests);
      chunk.forEach(({ record }, i) => {
        const answer = answers[i];
        outcomes.push(
          answer && answer.httpStatusCode < 400
            ? { ok: true, value: { id: record.Id } }
            : toOutcome({ success: false, errors: errorEntries(answer?.body) }),
        );
      });
    }
    return outcomes;
  }

  /** One Composite call (allOrNone false); the answers in the order of the subrequests (undefined if missing). */
  private async compositeRaw(
    operation: string,
    subrequests: readonly CompositeSubrequest[],
  ): Promise<Array<WireCompositeResult | undefined>> {
    if (subrequests.length > COMPOSITE_MAX_SUBREQUESTS)
      throw new Error(
        `${operation}: a Composite call takes at most ${COMPOSITE_MAX_SUBREQUESTS} subrequests`,
      );
    const prefix = `/services/data/v${this.conn.version}`;
    const answer = await this.call(operation, (conn) =>
      conn.request<{ compositeResponse: WireCompositeResult[] }>({
        method: 'POST',
        url: `${prefix}/composite`,
        body: JSON.stringify({
          allOrNone: false,
          compositeRequest: subrequests.map(({ path, ...rest }) => ({ ...rest, url: `${prefix}${path}` })),
        }),
        headers: { 'content-type': 'application/json' },
      }),
    );
    const byReference = new Map(answer.compositeResponse.map((result) => [result.referenceId, result]));
    return subrequests.map((subrequest) => byReference.get(subrequest.referenceId));
  }

  /** All rows of a query as an array (for small result sets). */
  async queryAll<T extends Record<string, unknown>>(soql: string, options: QueryOptions = {}): Promise<T[]> {
    const rows: T[] = [];
    for await (const row of this.query<T>(soql, options)) rows.push(row);
    return rows;
  }

  /** Describes an object once per client; failed describes are not cached. */
  describe(sobject: string): Promise<DescribeSObjectResult> {
    const cached = this.describeCache.get(sobject);
    if (cached) return cached;
    const pending = this.call(`describe ${sobject}`, (conn) => conn.sobject(sobject).describe());
    this.describeCache.set(sobject, pending);
    pending.catch(() => this.describeCache.delete(sobject));
    return pending;
  }

  /** Forgets cached describes, e.g. after installing the package. */
  clearDescribeCache(): void {
    this.describeCache.clear();
  }

  /** Daily API usage as last reported by Salesforce (Sforce-Limit-Info on every response); null before any call. */
  apiUsage(): ApiUsage | null {
    const usage = this.conn.limitInfo?.apiUsage;
    return usage ? { used: usage.used, max: usage.limit } : null;
  }

  /** True when the org has used at least `ratio` (0–1) of its daily API requests. Unknown usage is not exceeded. */
  budgetExceeded(ratio: number): boolean {
    const usage = this.apiUsage();
    return usage !== null && usage.max > 0 && usage.used / usage.max >= ratio;
  }
}
