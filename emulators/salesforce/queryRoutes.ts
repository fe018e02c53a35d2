/** `query`, `queryAll` and `query/{locator}`: SOQL results in pages of up to 2,000 rows. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EmulatorContext } from './emulatorContext.ts';
import type { WireRecord } from './recordWire.ts';
import { sessionOf } from './restGuard.ts';
import { SalesforceApiError } from './salesforceApiError.ts';
import { SoqlEngine } from './soqlEngine.ts';

export const QUERY_PAGE_SIZE = 2000;
const MAX_OPEN_CURSORS = 50;

interface Cursor {
  records: WireRecord[];
  totalSize: number;
  userId: string;
}

function pageSize(request: FastifyRequest): number {
  const header = request.headers['sforce-query-options'];
  const match = typeof header === 'string' ? /batchSize=(\d+)/i.exec(header) : null;
  const requested = match?.[1] ? Number.parseInt(match[1], 10) : QUERY_PAGE_SIZE;
  return Math.min(QUERY_PAGE_SIZE, Math.max(200, requested));
}

export function registerQueryRoutes(scope: FastifyInstance, context: EmulatorContext): void {
  const cursors = new Map<string, Cursor>();
  const base = '/services/data/:version';

  const page = (version: string, cursorId: string, cursor: Cursor, offset: number, size: number) => {
    const records = cursor.records.slice(offset, offset + size);
    const nextOffset = offset + records.length;
    const done = nextOffset >= cursor.records.length;
    if (done) cursors.delete(cursorId);
    return {
      totalSize: cursor.totalSize,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/${version}/query/${cursorId}-${nextOffset}` }),
      records,
    };
  };

  const runQuery = (includeDeleted: boolean) => async (request: FastifyRequest) => {
    const { version } = request.params as { version: string };
    const soql = (request.query as { q?: string }).q;
    if (!soql)
      throw new SalesforceApiError(400, 'MALFORMED_QUERY', 'The q parameter with a SOQL query is required');
    const userId = sessionOf(request).userId;
    const outcome = new SoqlEngine(context.org, { userId, version, includeDeleted }).run(soql);
    const cursorId = `01g${randomBytes(9).toString('hex').slice(0, 15)}`;
    const cursor: Cursor = { records: outcome.records, totalSize: outcome.totalSize, userId };
    cursors.set(cursorId, cursor);
    if (cursors.size > MAX_OPEN_CURSORS) {
      const oldest = cursors.keys().next().value;
      if (oldest !== undefined) cursors.delete(oldest);
    }
    return page(version, cursorId, cursor, 0, pageSize(request));
  };

  scope.get(`${base}/query`, runQuery(false));
  scope.get(`${base}/queryAll`, runQuery(true));

  const nextPage = async (request: FastifyRequest) => {
    const { version, locator } = request.params as { version: string; locator: string };
    const match = /^(01g[0-9a-f]+)-(\d+)$/.exec(locator);
    const cursor = match?.[1] ? cursors.get(match[1]) : undefined;
    if (!match?.[1] || !cursor || cursor.userId !== sessionOf(request).userId) {
      throw new SalesforceApiError(
        400,
        'INVALID_QUERY_LOCATOR',
        'invalid query locator: run the query again',
      );
    }
    return page(version, match[1], cursor, Number.parseInt(match[2] ?? '0', 10), pageSize(request));
  };
  scope.get(`${base}/query/:locator`, nextPage);
  scope.get(`${base}/queryAll/:locator`, nextPage);
}
