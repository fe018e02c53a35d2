import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmulatorClient,
  privateDealBody,
  startEmulatorClient,
} from '../../test/support/partnerCenterEmulatorKit.ts';
import { startPartnerCenterEmulator } from './startPartnerCenterEmulator.ts';

const REFERRALS = '/v1.0/engagements/referrals';
let client: EmulatorClient;

beforeAll(async () => {
  client = await startEmulatorClient();
});
afterAll(async () => {
  await client.emulator.close();
});

describe('Referrals API basics', () => {
  it('creates a referral with every field present and real-looking values', async () => {
    const created = await client.call(
      'POST',
      REFERRALS,
      privateDealBody({ externalReferenceId: '006XX0001' }),
    );
    expect(created.status).toBe(201);
    const referral = created.json;
    expect(referral['status']).toBe('Active');
    expect(referral['substatus']).toBe('Accepted');
    expect(referral['direction']).toBe('Outgoing');
    expect(referral['externalReferenceId']).toBe('006XX0001');
    expect(String(referral['createdDateTime'])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
    expect(String(referral['eTag'])).toMatch(/^"[0-9a-f-]+"$/);
    expect(referral['closedDateTime']).toBeNull();
    expect(referral).toHaveProperty('trackingInfo.microsoftMsxId', null);
    expect(referral).toHaveProperty('consent.consentToToShareInfoWithOthers', true);
    const links = referral['links'] as { self: { uri: string }; relatedReferrals: { uri: string } };
    expect(links.self.uri).toBe(`${client.emulator.url}${REFERRALS}/${String(referral['id'])}`);
    expect(links.relatedReferrals.uri).toBe(
      `${client.emulator.url}${REFERRALS}?$filter=engagementId eq ${String(referral['engagementId'])}`,
    );

    const fetched = await client.call('GET', `${REFERRALS}/${String(referral['id'])}`, undefined, {
      'client-request-id': 'abc-123',
    });
    expect(fetched.status).toBe(200);
    expect(fetched.json['eTag']).toBe(referral['eTag']);
    expect(fetched.headers.get('client-request-id')).toBe('abc-123');
    expect(fetched.headers.get('request-id')).toBeTruthy();
  });

  it('rejects a create without a 2-letter country, with the error envelope', async () => {
    const body = privateDealBody();
    (body['customerProfile'] as { address: { country: string } }).address.country = 'USA';
    const result = await client.call('POST', REFERRALS, body);
    expect(result.status).toBe(400);
    expect(result.json).toMatchObject({
      error: { code: 'invalidRequest', target: 'customerProfile.address.country' },
    });
  });

  it('answers 404 itemNotFound for an unknown id', async () => {
    const result = await client.call('GET', `${REFERRALS}/00000000-0000-0000-0000-000000000000`);
    expect(result.status).toBe(404);
    expect(result.json).toMatchObject({ error: { code: 'itemNotFound' } });
  });
});

describe('determinism', () => {
  it('gives a fresh emulator the same tenant, clients and first referral id', async () => {
    await client.control('POST', '/__emulator/reset');
    const first = await client.call('POST', REFERRALS, privateDealBody());
    const other = await startEmulatorClient();
    try {
      expect(other.emulator.tenantId).toBe(client.emulator.tenantId);
      expect(other.emulator.clientId).toBe(client.emulator.clientId);
      const second = await other.call('POST', REFERRALS, privateDealBody());
      expect(second.json['id']).toBe(first.json['id']);
      expect(second.json['engagementId']).toBe(first.json['engagementId']);
    } finally {
      await other.emulator.close();
    }
  });

  it('refuses to start on a port already in use', async () => {
    const port = Number(new URL(client.emulator.url).port);
    await expect(startPartnerCenterEmulator({ port })).rejects.toThrow(/EADDRINUSE|address already in use/);
  });
});
