import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReferralClient } from './referralClient.ts';

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let origin: string;
const seen: SeenRequest[] = [];

beforeAll(async () => {
  // A bare server that records what the client put on the wire and answers like Partner Center.
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (request.method === 'PATCH') {
        response.writeHead(204).end();
        return;
      }
      const referral = { id: 'r-1', name: 'Wire', eTag: '"e-2"' };
      const isList = (request.url ?? '').includes('?');
      response
        .writeHead(200, { 'content-type': 'application/json', 'request-id': 'srv-1' })
        .end(JSON.stringify(isList ? { value: [referral] } : referral));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

describe('what the Partner Center clients put on the wire', () => {
  it('sends tracing headers, the bearer token, OData options and JSON Patch with If-Match', async () => {
    seen.length = 0;
    const client = new ReferralClient({
      baseUrl: `${origin}/v1.0/engagements`,
      getAccessToken: async () => 'token-123',
      correlationId: 'corr-42',
    });
    await client.listAll({
      filter: "status eq 'New' and direction eq 'Incoming'",
      orderBy: 'createdDateTime desc',
      top: 10,
    });
    // 204 without a representation: the client reads the referral back
    const patched = await client.patch(
      'r-1',
      [{ op: 'replace', path: '/details/dealValue', value: '10000' }],
      {
        ifMatch: '"e-1"',
      },
    );
    expect(patched.eTag).toBe('"e-2"');

    const [list, patch, readBack] = seen;
    expect(list?.url).toBe(
      '/v1.0/engagements/referrals?$filter=status%20eq%20%27New%27%20and%20direction%20eq%20%27Incoming%27&$orderby=createdDateTime%20desc&$top=10',
    );
    expect(list?.headers).toMatchObject({
      authorization: 'Bearer token-123',
      accept: 'application/json',
      'ms-correlationid': 'corr-42',
    });
    expect(list?.headers['content-type']).toBeUndefined();
    expect(patch).toMatchObject({ method: 'PATCH', url: '/v1.0/engagements/referrals/r-1' });
    expect(patch?.headers).toMatchObject({
      'content-type': 'application/json',
      'if-match': '"e-1"',
      prefer: 'return=representation',
      'ms-correlationid': 'corr-42',
    });
    expect(JSON.parse(patch?.body ?? '')).toEqual([
      { op: 'replace', path: '/details/dealValue', value: '10000' },
    ]);
    expect(readBack).toMatchObject({ method: 'GET', url: '/v1.0/engagements/referrals/r-1' });

    const ids = seen.map((request) => request.headers['client-request-id']);
    expect(ids.every((id) => typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
