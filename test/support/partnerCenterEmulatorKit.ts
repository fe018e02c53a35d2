/** Helpers shared by the emulator's own tests: start it, get a token, call it over real HTTP. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PublicClientApplication } from '@azure/msal-node';
import { type Dispatcher, fetch } from 'undici';
import type { JsonObject } from '../../emulators/partner-center/referralRules.ts';
import {
  type PartnerCenterEmulator,
  type PartnerCenterEmulatorOptions,
  startPartnerCenterEmulator,
} from '../../emulators/partner-center/startPartnerCenterEmulator.ts';
import { createMsalNetworkClient } from '../../src/partner-center/msalNetworkClient.ts';

const WEBHOOKS_AUDIENCE = 'https://api.partnercenter.microsoft.com';

export interface EmulatorClient {
  emulator: PartnerCenterEmulator;
  /** The Referrals API token `call` sends; replace it after advancing the clock past its expiry. */
  token: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<CallResult>;
  control(method: string, path: string, body?: unknown): Promise<CallResult>;
  /** Calls the Webhooks API with a fresh token for its audience (api.partnercenter.microsoft.com). */
  callWebhooks(method: string, path: string, body?: unknown): Promise<CallResult>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: unknown;
  /** The body as a JSON object (empty object when it is not one). */
  json: JsonObject;
}

async function send(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<CallResult> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed: unknown = text === '' ? null : JSON.parse(text);
  const json =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : {};
  return { status: response.status, headers: response.headers as unknown as Headers, body: parsed, json };
}

export async function startEmulatorClient(
  options: PartnerCenterEmulatorOptions = {},
): Promise<EmulatorClient> {
  const emulator = await startPartnerCenterEmulator(options);
  const tokenResult = await send(`${emulator.url}/__emulator/token`, 'POST', {}, {});
  const client: EmulatorClient = {
    emulator,
    token: String(tokenResult.json['access_token']),
    call: (method, path, body, headers = {}) =>
      send(`${emulator.url}${path}`, method, body, { authorization: `Bearer ${client.token}`, ...headers }),
    control: (method, path, body) => send(`${emulator.url}${path}`, method, body, {}),
    callWebhooks: async (method, path, body) => {
      const webhooksToken = await send(
        `${emulator.url}/__emulator/token`,
        'POST',
        { audience: WEBHOOKS_AUDIENCE },
        {},
      );
      return send(`${emulator.url}${path}`, method, body, {
        authorization: `Bearer ${String(webhooksToken.json['access_token'])}`,
      });
    },
  };
  return client;
}

/** msal-node's public client for the emulator's tenant, over a dispatcher that trusts the emulator's CA. */
export function publicMsalApp(
  emulator: PartnerCenterEmulator,
  dispatcher: Dispatcher,
): PublicClientApplication {
  const { identityUrl, tenantId, clientId } = emulator;
  return new PublicClientApplication({
    auth: {
      clientId,
      authority: `${identityUrl}/${tenantId}`,
      knownAuthorities: [new URL(identityUrl).host],
    },
    system: { networkClient: createMsalNetworkClient(dispatcher, 10_000) },
  });
}

/** A valid private-deal create body (spec §1.8). */
export function privateDealBody(overrides: JsonObject = {}): JsonObject {
  return {
    name: 'Contoso cloud migration',
    qualification: 'SalesQualified',
    type: 'Independent',
    customerProfile: {
      name: 'Fabrikam Ltd',
      address: {
        addressLine1: '1 Main St',
        city: 'Redmond',
        state: 'WA',
        postalCode: '98052',
        country: 'US',
      },
      size: '10to50employees',
      team: [{ firstName: 'Ana', lastName: 'Diaz', phoneNumber: '555-0100', email: 'ana@fabrikam.example' }],
    },
    consent: {
      consentToToShareInfoWithOthers: true,
      consentToContact: true,
      consentToShareReferralWithMicrosoftSellers: false,
    },
    details: {
      notes: 'First deal',
      dealValue: 50000,
      currency: 'USD',
      closingDateTime: '2026-11-14T00:00:00Z',
    },
    team: [{ firstName: 'Sam', lastName: 'Lee', phoneNumber: '555-0101', email: 'sam@contoso.example' }],
    target: [],
    ...overrides,
  };
}

/** A co-sell body: Shared, help requested, with a solution and a customer contact. */
export function coSellBody(overrides: JsonObject = {}): JsonObject {
  return privateDealBody({
    type: 'Shared',
    consent: {
      consentToToShareInfoWithOthers: true,
      consentToContact: true,
      consentToShareReferralWithMicrosoftSellers: true,
    },
    inviteContext: { assistanceRequestCode: 'ProofOfConceptOrDemo', notes: 'Need a PoC' },
    details: {
      notes: 'Co-sell',
      dealValue: 120000,
      currency: 'USD',
      closingDateTime: '2026-12-01T00:00:00Z',
      requirements: {
        solutions: [
          { type: 'Name', id: 'SOL-34104-EBB', name: 'Contoso Analytics', publisherName: 'Contoso' },
        ],
      },
    },
    ...overrides,
  });
}

export interface ReceivedWebhook {
  headers: Record<string, string | string[] | undefined>;
  /** The exact body bytes. */
  rawBody: Buffer;
  json: JsonObject;
  answeredStatus: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status codes to answer with, in order (0 = never answer); when empty, 200. */
  statuses: number[];
  close(): Promise<void>;
}

/** A real HTTP server that records every webhook POST it gets. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const statuses: number[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const status = statuses.shift() ?? 200;
      if (status === 0) {
        received.push({
          headers: request.headers,
          rawBody,
          json: JSON.parse(rawBody.toString('utf8')) as JsonObject,
          answeredStatus: 0,
        });
        return;
      }
      received.push({
        headers: request.headers,
        rawBody,
        json: JSON.parse(rawBody.toString('utf8')) as JsonObject,
        answeredStatus: status,
      });
      response.statusCode = status;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/partner-center`,
    received,
    statuses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
