import { expect, it } from 'vitest';
import { TEST_API_VERSION, useEmulatorSuite } from '../../test/support/salesforceEmulatorKit.ts';

const suite = useEmulatorSuite();
const base = `/services/data/v${TEST_API_VERSION}`;

interface SubResult {
  body: unknown;
  httpStatusCode: number;
  referenceId: string;
  httpHeaders: Record<string, string>;
}

const composite = (body: unknown) =>
  suite.conn.request<{ compositeResponse: SubResult[] }>({
    method: 'POST',
    url: `${base}/composite`,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
const graph = (body: unknown, version = TEST_API_VERSION) =>
  suite.conn.request<{
    graphs: Array<{
      graphId: string;
      isSuccessful: boolean;
      graphResponse: { compositeResponse: SubResult[] };
    }>;
  }>({
    method: 'POST',
    url: `/services/data/v${version}/composite/graph`,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
const apiUsed = async () => {
  const limits = await suite.conn.request<{ DailyApiRequests: { Max: number; Remaining: number } }>(
    `${base}/limits`,
  );
  return limits.DailyApiRequests.Max - limits.DailyApiRequests.Remaining;
};
const names = async (object: string) =>
  (
    await suite.conn.query<{ Name?: string; LastName?: string }>(`SELECT Name FROM ${object} ORDER BY Name`)
  ).records.map((record) => record.Name);
function bodyOf<T>(result: SubResult | undefined): T {
  if (!result) throw new Error('no answer for this subrequest');
  return result.body as T;
}
const errorCodeOf = (result: SubResult | undefined) =>
  bodyOf<Array<{ errorCode: string }>>(result)[0]?.errorCode;
/** A subrequest creating one record. */
const create = (referenceId: string, object: string, body: Record<string, unknown>) => ({
  method: 'POST',
  url: `${base}/sobjects/${object}`,
  referenceId,
  body,
});

it('runs subrequests in order, feeds one answer into the next through @{ref.path}, and counts as one API call', async () => {
  const before = await apiUsed();
  const { compositeResponse } = await composite({
    compositeRequest: [
      create('newAccount', 'Account', { Name: 'Contoso' }),
      {
        method: 'POST',
        url: `${base}/sobjects/Contact`,
        referenceId: 'newContact',
        body: { LastName: 'Lee', AccountId: '@{newAccount.id}' },
      },
      { method: 'GET', url: `${base}/query?q=SELECT+Id,AccountId+FROM+Contact`, referenceId: 'contacts' },
      {
        method: 'GET',
        url: `${base}/sobjects/Account/@{contacts.records[0].AccountId}?fields=Name`,
        referenceId: 'account',
      },
    ],
  });
  expect(compositeResponse.map((result) => [result.referenceId, result.httpStatusCode])).toEqual([
    ['newAccount', 201],
    ['newContact', 201],
    ['contacts', 200],
    ['account', 200],
  ]);
  const accountId = bodyOf<{ id: string }>(compositeResponse[0]).id;
  expect(compositeResponse[0]?.httpHeaders['Location']).toContain(`/sobjects/Account/${accountId}`);
  expect(bodyOf<{ records: Array<{ AccountId: string }> }>(compositeResponse[2]).records[0]?.AccountId).toBe(
    accountId,
  );
  expect(bodyOf<{ Name: string }>(compositeResponse[3]).Name).toBe('Contoso');
  // The outer request and the /limits read: two calls, not five.
  expect((await apiUsed()) - before).toBe(2);
});

it('without allOrNone keeps what succeeded and halts only the subrequests that refer to a failure', async () => {
  const { compositeResponse } = await composite({
    compositeRequest: [
      create('bad', 'Account', { Description: 'no name' }),
      {
        method: 'POST',
        url: `${base}/sobjects/Contact`,
        referenceId: 'dependent',
        body: { LastName: 'X', AccountId: '@{bad.id}' },
      },
      create('good', 'Account', { Name: 'Fabrikam' }),
    ],
  });
  expect(compositeResponse.map((result) => result.httpStatusCode)).toEqual([400, 400, 201]);
  expect(errorCodeOf(compositeResponse[0])).toBe('REQUIRED_FIELD_MISSING');
  expect(errorCodeOf(compositeResponse[1])).toBe('PROCESSING_HALTED');
  expect(await names('Account')).toEqual(['Fabrikam']);
});

it('with allOrNone rolls back every change when one subrequest fails, and reports the roll-back on the others', async () => {
  const { compositeResponse } = await composite({
    allOrNone: true,
    compositeRequest: [
      create('first', 'Account', { Name: 'Kept?' }),
      create('bad', 'Account', { Description: 'no name' }),
      create('after', 'Account', { Name: 'Never run' }),
    ],
  });
  expect(compositeResponse.map((result) => errorCodeOf(result))).toEqual([
    'PROCESSING_HALTED',
    'REQUIRED_FIELD_MISSING',
    'PROCESSING_HALTED',
  ]);
  expect(await names('Account')).toEqual([]);
});

it('refuses more than 25 subrequests, more than 5 queries or collections, duplicate referenceIds and other resources', async () => {
  const post = (index: number) => ({
    method: 'POST',
    url: `${base}/sobjects/Account`,
    referenceId: `a${index}`,
    body: { Name: `A${index}` },
  });
  const query = (index: number) => ({
    method: 'GET',
    url: `${base}/query?q=SELECT+Id+FROM+Account`,
    referenceId: `q${index}`,
  });
  const refusals = [
    { compositeRequest: Array.from({ length: 26 }, (_, index) => post(index)) },
    { compositeRequest: Array.from({ length: 6 }, (_, index) => query(index)) },
    { compositeRequest: [post(1), post(1)] },
    { compositeRequest: [{ method: 'POST', url: `${base}/composite`, referenceId: 'nested', body: {} }] },
    { records: [] },
  ];
  for (const body of refusals)
    await expect(composite(body)).rejects.toMatchObject({ errorCode: expect.any(String) });
  expect(await names('Account')).toEqual([]);
});

it('commits each successful graph and rolls back each failed one as a whole', async () => {
  const { graphs } = await graph({
    graphs: [
      {
        graphId: 'g1',
        compositeRequest: [
          create('account', 'Account', { Name: 'Graph one' }),
          {
            method: 'POST',
            url: `${base}/sobjects/Contact`,
            referenceId: 'contact',
            body: { LastName: 'One', AccountId: '@{account.id}' },
          },
        ],
      },
      {
        graphId: 'g2',
        compositeRequest: [
          create('account', 'Account', { Name: 'Graph two' }),
          {
            method: 'POST',
            url: `${base}/sobjects/Contact`,
            referenceId: 'contact',
            body: { AccountId: '@{account.id}' },
          },
        ],
      },
    ],
  });
  expect(graphs.map((answer) => [answer.graphId, answer.isSuccessful])).toEqual([
    ['g1', true],
    ['g2', false],
  ]);
  expect(graphs[1]?.graphResponse.compositeResponse.map((result) => errorCodeOf(result))).toEqual([
    'PROCESSING_HALTED',
    'REQUIRED_FIELD_MISSING',
  ]);
  expect(await names('Account')).toEqual(['Graph one']);
  const contacts = await suite.conn.query<{ LastName: string }>('SELECT LastName FROM Contact');
  expect(contacts.records.map((record) => record.LastName)).toEqual(['One']);
});

it('refuses graph nodes that are not sObject records, graphs deeper than 15, and versions before 50.0', async () => {
  const chain = Array.from({ length: 16 }, (_, index) => ({
    method: 'PATCH',
    url:
      index === 0
        ? `${base}/sobjects/Account/001000000000001AAA`
        : `${base}/sobjects/Account/@{n${index - 1}.id}`,
    referenceId: `n${index}`,
    body: { Name: 'x' },
  }));
  await expect(graph({ graphs: [{ graphId: 'deep', compositeRequest: chain }] })).rejects.toMatchObject({
    errorCode: 'INVALID_INPUT',
  });
  await expect(
    graph({
      graphs: [
        {
          graphId: 'q',
          compositeRequest: [
            { method: 'GET', url: `${base}/query?q=SELECT+Id+FROM+Account`, referenceId: 'q' },
          ],
        },
      ],
    }),
  ).rejects.toMatchObject({ errorCode: 'INVALID_INPUT' });
  await expect(
    graph(
      {
        graphs: [
          {
            graphId: 'old',
            compositeRequest: [
              {
                method: 'POST',
                url: '/services/data/v46.0/sobjects/Account',
                referenceId: 'a',
                body: { Name: 'a' },
              },
            ],
          },
        ],
      },
      '46.0',
    ),
  ).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
});
