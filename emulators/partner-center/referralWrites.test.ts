import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmulatorClient,
  privateDealBody,
  startEmulatorClient,
} from '../../test/support/partnerCenterEmulatorKit.ts';
import type { JsonObject } from './referralRules.ts';

const REFERRALS = '/v1.0/engagements/referrals';
let client: EmulatorClient;

beforeAll(async () => {
  client = await startEmulatorClient();
});
afterAll(async () => {
  await client.emulator.close();
});

async function inbound(status = 'New', substatus = 'Pending'): Promise<JsonObject> {
  const created = await client.control('POST', '/__emulator/referrals', {
    ...privateDealBody(),
    status,
    substatus,
  });
  expect(created.status).toBe(201);
  return created.json;
}

function setStatus(status: string, substatus: string) {
  return [
    { op: 'replace', path: '/status', value: status },
    { op: 'replace', path: '/substatus', value: substatus },
  ];
}

const ALLOWED: [string, string, string, string][] = [
  ['New', 'Pending', 'New', 'Received'],
  ['New', 'Received', 'New', 'Pending'],
  ['New', 'Pending', 'Active', 'Accepted'],
  ['New', 'Received', 'Active', 'Accepted'],
  ['New', 'Pending', 'Closed', 'Declined'],
  ['New', 'Pending', 'Closed', 'Expired'],
  ['New', 'Received', 'Closed', 'Won'],
  ['New', 'Received', 'Closed', 'Lost'],
  ['Active', 'Accepted', 'Active', 'Accepted'],
  ['Active', 'Accepted', 'Closed', 'Won'],
  ['Active', 'Accepted', 'Closed', 'Lost'],
  ['Active', 'Accepted', 'Closed', 'Declined'],
  ['Active', 'Accepted', 'Closed', 'Expired'],
];

const FORBIDDEN: [string, string, string, string][] = [
  ['Active', 'Accepted', 'New', 'Pending'],
  ['Active', 'Accepted', 'New', 'Received'],
  ['New', 'Pending', 'New', 'Accepted'],
  ['New', 'Pending', 'Active', 'Won'],
  ['New', 'Pending', 'Closed', 'Pending'],
  ['New', 'Pending', 'Engaged', 'Pending'],
  ['Closed', 'Won', 'Active', 'Accepted'],
  ['Closed', 'Lost', 'Closed', 'Won'],
  ['Closed', 'Declined', 'New', 'Pending'],
  ['Closed', 'Expired', 'Closed', 'Lost'],
];

describe('status/substatus table', () => {
  it.each(ALLOWED)('allows %s/%s → %s/%s', async (fromStatus, fromSub, toStatus, toSub) => {
    const referral = await inbound(fromStatus, fromSub);
    const patched = await client.call(
      'PATCH',
      `${REFERRALS}/${String(referral['id'])}`,
      setStatus(toStatus, toSub),
      {
        prefer: 'return=representation',
      },
    );
    expect(patched.status).toBe(200);
    expect(patched.json['status']).toBe(toStatus);
    expect(patched.json['substatus']).toBe(toSub);
    if (toStatus === 'Closed') expect(patched.json['closedDateTime']).toMatch(/\.\d{7}Z$/);
    if (toStatus === 'Active') expect(patched.json['acceptedDateTime']).toMatch(/\.\d{7}Z$/);
  });

  it.each(FORBIDDEN)(
    'refuses %s/%s → %s/%s with 400 and a reason',
    async (fromStatus, fromSub, toStatus, toSub) => {
      const referral = await inbound(fromStatus, fromSub);
      const patched = await client.call(
        'PATCH',
        `${REFERRALS}/${String(referral['id'])}`,
        setStatus(toStatus, toSub),
      );
      expect(patched.status).toBe(400);
      expect(patched.json).toMatchObject({ error: { code: 'invalidRequest' } });
      expect(String((patched.json['error'] as JsonObject)['message']).length).toBeGreaterThan(20);
      const after = await client.call('GET', `${REFERRALS}/${String(referral['id'])}`);
      expect(after.json['status']).toBe(fromStatus);
      expect(after.json['eTag']).toBe(referral['eTag']);
    },
  );

  it('refuses any change, even of notes, once Closed', async () => {
    const referral = await inbound('Closed', 'Won');
    const patched = await client.call('PATCH', `${REFERRALS}/${String(referral['id'])}`, [
      { op: 'replace', path: '/details/notes', value: 'late edit' },
    ]);
    expect(patched.status).toBe(400);
    expect(String((patched.json['error'] as JsonObject)['message'])).toMatch(/Closed/);
  });
});

describe('PATCH', () => {
  it('answers 204 without Prefer and the referral with Prefer: return=representation', async () => {
    const created = await client.call('POST', REFERRALS, privateDealBody());
    const id = String(created.json['id']);
    const plain = await client.call('PATCH', `${REFERRALS}/${id}`, [
      { op: 'replace', path: '/details/dealValue', value: 75000 },
    ]);
    expect(plain.status).toBe(204);
    expect(plain.body).toBeNull();
    const represented = await client.call(
      'PATCH',
      `${REFERRALS}/${id}`,
      [{ op: 'add', path: '/details/notes', value: 'Updated notes' }],
      { prefer: 'return=representation' },
    );
    expect(represented.status).toBe(200);
    expect(represented.json).toMatchObject({ details: { dealValue: 75000, notes: 'Updated notes' } });
    expect(represented.json['eTag']).not.toBe(created.json['eTag']);
  });

  it('accepts application/json-patch+json and refuses ops other than replace/add', async () => {
    const created = await client.call('POST', REFERRALS, privateDealBody());
    const id = String(created.json['id']);
    const removed = await client.call('PATCH', `${REFERRALS}/${id}`, [{ op: 'remove', path: '/name' }], {
      'content-type': 'application/json-patch+json',
    });
    expect(removed.status).toBe(400);
    expect(String((removed.json['error'] as JsonObject)['message'])).toMatch(/replace.*add/);
    const replaced = await client.call(
      'PATCH',
      `${REFERRALS}/${id}`,
      [{ op: 'replace', path: '/name', value: 'Renamed' }],
      {
        'content-type': 'application/json-patch+json',
      },
    );
    expect(replaced.status).toBe(204);
    expect((await client.call('GET', `${REFERRALS}/${id}`)).json['name']).toBe('Renamed');
  });

  it('answers 412 preconditionFailed for a stale If-Match and applies a fresh one', async () => {
    const created = await client.call('POST', REFERRALS, privateDealBody());
    const id = String(created.json['id']);
    const staleETag = String(created.json['eTag']);
    const first = await client.call(
      'PATCH',
      `${REFERRALS}/${id}`,
      [{ op: 'replace', path: '/name', value: 'A' }],
      {
        'if-match': staleETag,
      },
    );
    expect(first.status).toBe(204);
    const stale = await client.call(
      'PATCH',
      `${REFERRALS}/${id}`,
      [{ op: 'replace', path: '/name', value: 'B' }],
      {
        'if-match': staleETag,
      },
    );
    expect(stale.status).toBe(412);
    expect(stale.json).toMatchObject({ error: { code: 'preconditionFailed' } });
    expect((await client.call('GET', `${REFERRALS}/${id}`)).json['name']).toBe('A');
  });
});

describe('PUT', () => {
  it('requires If-Match (428), refuses a stale one (412) and replaces with a fresh one', async () => {
    const created = await client.call('POST', REFERRALS, privateDealBody());
    const id = String(created.json['id']);
    const { links: _links, ...body } = created.json;
    const missing = await client.call('PUT', `${REFERRALS}/${id}`, { ...body, name: 'Put name' });
    expect(missing.status).toBe(428);
    const replaced = await client.call(
      'PUT',
      `${REFERRALS}/${id}`,
      { ...body, name: 'Put name' },
      {
        'if-match': String(created.json['eTag']),
      },
    );
    expect(replaced.status).toBe(200);
    expect(replaced.json['name']).toBe('Put name');
    expect(replaced.json['id']).toBe(id);
    expect(replaced.json['createdDateTime']).toBe(created.json['createdDateTime']);
    const stale = await client.call(
      'PUT',
      `${REFERRALS}/${id}`,
      { ...body, name: 'Again' },
      {
        'if-match': String(created.json['eTag']),
      },
    );
    expect(stale.status).toBe(412);
  });
});

describe('create rules', () => {
  it('requires type, customerProfile, consent and details', async () => {
    const result = await client.call('POST', REFERRALS, { name: 'Empty' });
    expect(result.status).toBe(400);
    const message = String((result.json['error'] as JsonObject)['message']);
    for (const field of ['type', 'customerProfile', 'consent', 'details']) expect(message).toContain(field);
  });

  it('requires a solution and a customer contact when a Shared referral asks Microsoft for help', async () => {
    const body = privateDealBody({
      type: 'Shared',
      inviteContext: { assistanceRequestCode: 'GeneralOrOther' },
    });
    (body['customerProfile'] as JsonObject)['team'] = [];
    const result = await client.call('POST', REFERRALS, body);
    expect(result.status).toBe(400);
    const message = String((result.json['error'] as JsonObject)['message']);
    expect(message).toMatch(/solution/);
    expect(message).toMatch(/customer contact/);
  });
});
