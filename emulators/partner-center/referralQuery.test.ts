import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmulatorClient,
  privateDealBody,
  startEmulatorClient,
} from '../../test/support/partnerCenterEmulatorKit.ts';
import { evaluateFilter, parseODataFilter } from './odataFilter.ts';

const REFERRALS = '/v1.0/engagements/referrals';
let client: EmulatorClient;

type ListPage = {
  '@odata.count': number;
  '@odata.context': string;
  '@odata.nextLink'?: string;
  value: Record<string, unknown>[];
};

async function list(query: string): Promise<ListPage> {
  const result = await client.call('GET', `${REFERRALS}?${query}`);
  expect(result.status).toBe(200);
  return result.json as unknown as ListPage;
}

function listWhere(filter: string): Promise<ListPage> {
  return list(`$filter=${encodeURIComponent(filter)}`);
}

beforeAll(async () => {
  client = await startEmulatorClient();
});
afterAll(async () => {
  await client.emulator.close();
});

describe('OData $filter evaluation', () => {
  const referral = {
    status: 'New',
    substatus: 'Pending',
    engagementId: '0ee9d55d-1111-4222-8333-444444444444',
    createdDateTime: '2026-02-24T21:04:06.0372014Z',
    team: [{ email: 'sam@contoso.example' }, { email: 'kim@contoso.example' }],
    customerProfile: { address: { country: 'DE' } },
  };
  const cases: [string, boolean][] = [
    ["status eq 'New'", true],
    ["status ne 'New'", false],
    ["(status eq 'New' and substatus eq 'Received') or customerProfile/address/country eq 'DE'", true],
    ["not (status eq 'New')", false],
    ['engagementId eq 0ee9d55d-1111-4222-8333-444444444444', true],
    ["engagementId eq '0ee9d55d-1111-4222-8333-444444444444'", true],
    ["team/any(t: t/email eq 'kim@contoso.example')", true],
    ["team/any(t:t/email eq 'nobody@contoso.example')", false],
    ["team/all(t: endswith(t/email, '@contoso.example'))", true],
    ['createdDateTime gt 2026-02-24T21:04:06Z', true],
    ['createdDateTime lt 2026-02-24T21:04:06Z', false],
    ['createdDateTime ge 2026-01-01', true],
    ['createdDateTime le 2026-02-24T21:04:06.0372014Z', true],
  ];
  it.each(cases)('%s → %s', (filter, expected) => {
    expect(evaluateFilter(parseODataFilter(filter), referral)).toBe(expected);
  });

  it('rejects malformed filters with a 400 envelope', async () => {
    const result = await client.call('GET', `${REFERRALS}?$filter=${encodeURIComponent("status eq 'New")}`);
    expect(result.status).toBe(400);
    expect(result.json).toMatchObject({ error: { code: 'invalidRequest', target: '$filter' } });
  });
});

describe('listing referrals over HTTP', () => {
  const createdIds: string[] = [];

  beforeAll(async () => {
    for (let index = 0; index < 105; index += 1) {
      const country = index % 5 === 0 ? 'DE' : 'US';
      const body = privateDealBody({ name: `Deal ${index}`, externalReferenceId: `opp-${index}` });
      (body['customerProfile'] as { address: { country: string } }).address.country = country;
      if (index === 7) body['team'] = [{ firstName: 'Kim', lastName: 'Ng', email: 'kim@contoso.example' }];
      const created = await client.call('POST', REFERRALS, body);
      createdIds.push(String(created.json['id']));
      if (index === 52) await client.control('POST', '/__emulator/clock', { advanceMs: 60_000 });
    }
  });

  it('pages past 100 items with @odata.count and an opaque nextLink', async () => {
    const first = await listWhere("status eq 'Active'");
    expect(first['@odata.count']).toBe(105);
    expect(first.value).toHaveLength(100);
    expect(first['@odata.context']).toContain('$metadata#Referrals');
    const nextLink = first['@odata.nextLink'];
    expect(nextLink).toMatch(/\$skiptoken=/);
    const second = await client.call('GET', String(nextLink).replace(client.emulator.url, ''));
    const page = second.json as unknown as ListPage;
    expect(page.value).toHaveLength(5);
    expect(page['@odata.nextLink']).toBeUndefined();
    const seen = new Set([...first.value, ...page.value].map((referral) => referral['id']));
    expect(seen.size).toBe(105);
  });

  it('honours $top as the page size', async () => {
    const first = await list('$top=10');
    expect(first.value).toHaveLength(10);
    expect(first['@odata.count']).toBe(105);
    const second = await client.call(
      'GET',
      String(first['@odata.nextLink']).replace(client.emulator.url, ''),
    );
    expect((second.json as unknown as ListPage).value[0]?.['id']).toBe(createdIds[10]);
  });

  it('caps $top at 100', async () => {
    expect((await list('$top=500')).value).toHaveLength(100);
  });

  it('filters by country, lambda and external reference id', async () => {
    const german = await listWhere("customerProfile/address/country eq 'DE'");
    expect(german['@odata.count']).toBe(21);
    const kim = await listWhere("team/any(t: t/email eq 'kim@contoso.example')");
    expect(kim.value.map((referral) => referral['id'])).toEqual([createdIds[7]]);
    const byExternal = await listWhere("externalReferenceId eq 'opp-42'");
    expect(byExternal.value.map((referral) => referral['id'])).toEqual([createdIds[42]]);
  });

  it('filters on datetimes and orders by createdDateTime', async () => {
    const all = await list('$orderby=createdDateTime asc');
    const pivot = String(all.value[53]?.['createdDateTime']);
    const later = await listWhere(`createdDateTime ge ${pivot}`);
    expect(later['@odata.count']).toBe(52);
    // Referrals created in the same millisecond tie, so compare times rather than ids.
    const newestFirst = await list('$orderby=createdDateTime desc&$top=1');
    const lastCreated = await client.call('GET', `${REFERRALS}/${createdIds[104]}`);
    expect(newestFirst.value[0]?.['createdDateTime']).toBe(lastCreated.json['createdDateTime']);
    expect(newestFirst.value[0]?.['createdDateTime']).not.toBe(all.value[0]?.['createdDateTime']);
  });

  it('selects top-level properties with $select, on every page, and refuses an unknown one', async () => {
    const whole = await list('$orderby=createdDateTime asc&$top=30');
    const keys = await list('$orderby=createdDateTime asc&$top=30&$select=id,engagementId');
    expect(keys.value).toEqual(
      whole.value.map((referral) => ({ id: referral['id'], engagementId: referral['engagementId'] })),
    );
    const next = await client.call('GET', String(keys['@odata.nextLink']).replace(client.emulator.url, ''));
    expect(Object.keys((next.json as unknown as ListPage).value[0] ?? {})).toEqual(['id', 'engagementId']);
    const refused = await client.call('GET', `${REFERRALS}?$select=id,noSuchProperty`);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toContain('noSuchProperty');
  });

  it('finds related referrals through the links.relatedReferrals uri', async () => {
    const one = await client.call('GET', `${REFERRALS}/${createdIds[3]}`);
    const links = one.json['links'] as { relatedReferrals: { uri: string } };
    const related = await client.call('GET', links.relatedReferrals.uri.replace(client.emulator.url, ''));
    const page = related.json as unknown as ListPage;
    expect(page.value.map((referral) => referral['id'])).toEqual([createdIds[3]]);
  });
});

describe('filters on fields Microsoft does not document as filterable', () => {
  const settings = (body: Record<string, unknown>) => client.control('POST', '/__emulator/settings', body);
  let ids: string[] = [];

  beforeAll(async () => {
    await client.control('POST', '/__emulator/reset');
    ids = [];
    for (const [index, country] of ['DE', 'US', 'DE'].entries()) {
      const body = privateDealBody({ name: `Filter deal ${index}`, externalReferenceId: `ext-${index}` });
      (body['customerProfile'] as { address: { country: string } }).address.country = country;
      ids.push(String((await client.call('POST', REFERRALS, body)).json['id']));
    }
  });
  afterAll(async () => {
    await settings({ undocumentedFilters: 'evaluate' });
  });

  const idsOf = (page: ListPage) => page.value.map((referral) => String(referral['id'])).sort();

  it('evaluates them by default, and notes each query that used one', async () => {
    expect(idsOf(await listWhere("externalReferenceId eq 'ext-1'"))).toEqual([ids[1]]);
    const view = (await client.control('GET', '/__emulator/settings')).json;
    expect(view).toMatchObject({ undocumentedFilters: 'evaluate' });
    expect(view['undocumentedFilterQueries']).toEqual([
      expect.objectContaining({ filter: "externalReferenceId eq 'ext-1'", fields: ['externalreferenceid'] }),
    ]);
  });

  it('ignore: drops the undocumented clause and applies the documented rest', async () => {
    await settings({ undocumentedFilters: 'ignore' });
    expect(idsOf(await listWhere("externalReferenceId eq 'ext-1'"))).toEqual([...ids].sort());
    expect(
      idsOf(await listWhere("externalReferenceId eq 'ext-1' and customerProfile/address/country eq 'DE'")),
    ).toEqual([ids[0], ids[2]].sort());
    expect(idsOf(await listWhere("not (contains(name, 'deal 1'))"))).toEqual([...ids].sort());
    // Documented fields, lambdas included, still filter.
    expect(idsOf(await listWhere("customerProfile/address/country eq 'US'"))).toEqual([ids[1]]);
    expect((await listWhere("team/any(t: t/email eq 'nobody@contoso.example')")).value).toEqual([]);
  });

  it('reject: 400 naming the field and the documented ones', async () => {
    await settings({ undocumentedFilters: 'reject' });
    const result = await client.call(
      'GET',
      `${REFERRALS}?$filter=${encodeURIComponent("externalReferenceId eq 'ext-1'")}`,
    );
    expect(result.status).toBe(400);
    expect(result.json).toMatchObject({ error: { code: 'invalidRequest', target: '$filter' } });
    expect(String((result.json['error'] as Record<string, unknown>)['message'])).toMatch(
      /externalreferenceid.*updatedDateTime/,
    );
    expect((await listWhere("status eq 'Active'"))['@odata.count']).toBe(3);
  });

  it('empty: nothing matches a filter with an undocumented clause', async () => {
    await settings({ undocumentedFilters: 'empty' });
    expect((await listWhere("externalReferenceId eq 'ext-1'")).value).toEqual([]);
    expect((await listWhere("status eq 'Active'"))['@odata.count']).toBe(3);
  });

  it('refuses an unknown mode and keeps the current one; reset restores the start option', async () => {
    const refused = await settings({ undocumentedFilters: 'sometimes' });
    expect(refused.status).toBe(400);
    expect((await client.control('GET', '/__emulator/settings')).json).toMatchObject({
      undocumentedFilters: 'empty',
    });
    await client.control('POST', '/__emulator/reset');
    expect((await client.control('GET', '/__emulator/settings')).json).toMatchObject({
      undocumentedFilters: 'evaluate',
      undocumentedFilterQueries: [],
    });
  });
});
