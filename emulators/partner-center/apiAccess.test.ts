import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmulatorClient,
  privateDealBody,
  startEmulatorClient,
  startWebhookReceiver,
} from '../../test/support/partnerCenterEmulatorKit.ts';
import { waitFor } from '../../test/support/waitFor.ts';
import type { JsonObject } from './referralRules.ts';

const REFERRALS = '/v1.0/engagements/referrals';
let client: EmulatorClient;

beforeAll(async () => {
  client = await startEmulatorClient({ tokenLifetimeSeconds: 120 });
});
afterAll(async () => {
  await client.emulator.close();
});

async function tokenFor(body: JsonObject): Promise<string> {
  const result = await client.control('POST', '/__emulator/token', body);
  expect(result.status).toBe(200);
  return String(result.json['access_token']);
}

function errorCode(body: JsonObject): unknown {
  return (body['error'] as JsonObject | undefined)?.['code'];
}

describe('access tokens', () => {
  it('answers 401 unauthenticated without a token', async () => {
    const result = await client.call('GET', REFERRALS, undefined, { authorization: '' });
    expect(result.status).toBe(401);
    expect(errorCode(result.json)).toBe('unauthenticated');
  });

  it('answers 401 for a tampered token', async () => {
    const [header, payload, signature] = client.token.split('.');
    const claims = JSON.parse(Buffer.from(String(payload), 'base64url').toString('utf8')) as JsonObject;
    const forged = Buffer.from(JSON.stringify({ ...claims, oid: 'someone-else' })).toString('base64url');
    const result = await client.call('GET', REFERRALS, undefined, {
      authorization: `Bearer ${header}.${forged}.${signature}`,
    });
    expect(result.status).toBe(401);
  });

  it('answers 401 when the audience belongs to the other API', async () => {
    const webhooksToken = await tokenFor({ audience: 'https://api.partnercenter.microsoft.com' });
    const referrals = await client.call('GET', REFERRALS, undefined, {
      authorization: `Bearer ${webhooksToken}`,
    });
    expect(referrals.status).toBe(401);
    const webhooks = await client.call('GET', '/webhooks/v1/registration/events', undefined, {
      authorization: `Bearer ${client.token}`,
    });
    expect(webhooks.status).toBe(401);
  });

  it('answers 403 accessDenied for a user without a Referrals role', async () => {
    const token = await tokenFor({ username: client.emulator.users.noRole.username });
    const result = await client.call('GET', REFERRALS, undefined, { authorization: `Bearer ${token}` });
    expect(result.status).toBe(403);
    expect(errorCode(result.json)).toBe('accessDenied');
    const webhooksToken = await tokenFor({
      username: client.emulator.users.noRole.username,
      audience: 'https://api.partnercenter.microsoft.com',
    });
    const webhooks = await client.call('GET', '/webhooks/v1/registration/events', undefined, {
      authorization: `Bearer ${webhooksToken}`,
    });
    expect(webhooks.status).toBe(403);
  });

  it('answers 401 once the token lifetime has passed on the emulator clock', async () => {
    const token = await tokenFor({});
    const headers = { authorization: `Bearer ${token}` };
    expect((await client.call('GET', REFERRALS, undefined, headers)).status).toBe(200);
    await client.control('POST', '/__emulator/clock', { advanceMs: 121_000 });
    const expired = await client.call('GET', REFERRALS, undefined, headers);
    expect(expired.status).toBe(401);
    expect(String((expired.json['error'] as JsonObject)['message'])).toMatch(/expired/);
  });

  it('expires every token issued so far on /__emulator/access-tokens/expire; a new one works', async () => {
    const headers = { authorization: `Bearer ${await tokenFor({})}` };
    expect((await client.call('GET', REFERRALS, undefined, headers)).status).toBe(200);
    const expired = await client.control('POST', '/__emulator/access-tokens/expire');
    expect(Number(expired.json['expired'])).toBeGreaterThan(0);
    const refused = await client.call('GET', REFERRALS, undefined, headers);
    expect(refused.status).toBe(401);
    expect(String((refused.json['error'] as JsonObject)['message'])).toMatch(/expired/);
    const fresh = { authorization: `Bearer ${await tokenFor({})}` };
    expect((await client.call('GET', REFERRALS, undefined, fresh)).status).toBe(200);
  });
});

describe('HTTP fault injection', () => {
  it('answers an injected 429 with Retry-After and the Partner Center envelope, then recovers', async () => {
    const token = await tokenFor({});
    const headers = { authorization: `Bearer ${token}` };
    const fault = await client.control('POST', '/__emulator/faults', {
      match: { method: 'GET', path: REFERRALS },
      status: 429,
      retryAfterSeconds: 7,
      count: 1,
    });
    expect(fault.status).toBe(201);
    const limited = await client.call('GET', REFERRALS, undefined, headers);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.json).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    expect((await client.call('GET', REFERRALS, undefined, headers)).status).toBe(200);
  });
});

describe('state file', () => {
  it('keeps referrals, the registration and the clock offset across a restart', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'pc-emulator-')), 'state.json');
    const first = await startEmulatorClient({ stateFile });
    const created = await first.call('POST', REFERRALS, privateDealBody({ name: 'Persisted' }));
    await first.control('POST', '/__emulator/clock', { advanceMs: 5000 });
    await first.callWebhooks('POST', '/webhooks/v1/registration', {
      WebhookUrl: 'http://127.0.0.1:9/hook',
      WebhookEvents: ['referral-updated'],
    });
    await first.emulator.close();
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as JsonObject;
    expect(saved['clockOffsetMs']).toBe(5000);

    const second = await startEmulatorClient({ stateFile });
    try {
      const fetched = await second.call('GET', `${REFERRALS}/${String(created.json['id'])}`);
      expect(fetched.json).toMatchObject({ name: 'Persisted', eTag: created.json['eTag'] });
      expect((await second.control('GET', '/__emulator/clock')).json['offsetMs']).toBe(5000);
      const registration = await second.callWebhooks('GET', '/webhooks/v1/registration');
      expect(registration.json).toMatchObject({ WebhookUrl: 'http://127.0.0.1:9/hook' });
      const another = await second.call('POST', REFERRALS, privateDealBody());
      expect(another.json['id']).not.toBe(created.json['id']);
    } finally {
      await second.emulator.close();
    }
  });
});

describe('state file deliveries', () => {
  it('sends deliveries that were still held when the emulator stopped after a restart', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'pc-emulator-')), 'state.json');
    const receiver = await startWebhookReceiver();
    const first = await startEmulatorClient({ stateFile });
    try {
      await first.callWebhooks('POST', '/webhooks/v1/registration', {
        WebhookUrl: receiver.url,
        WebhookEvents: ['referral-created'],
      });
      await first.control('POST', '/__emulator/delivery-faults', { reorder: 2 });
      await first.call('POST', REFERRALS, privateDealBody({ name: 'Held' }));
      await first.emulator.close();
      expect(receiver.received).toHaveLength(0);

      const second = await startEmulatorClient({ stateFile });
      try {
        await waitFor('resumed delivery', async () => (receiver.received.length === 1 ? true : undefined));
        expect(receiver.received[0]?.json['EventName']).toBe('referral-created');
      } finally {
        await second.emulator.close();
      }
    } finally {
      await receiver.close();
    }
  });
});
