/**
 * End-to-end harness: the real sandbox (both emulators over HTTP, the package installed through the Metadata
 * API, MSAL sign-in, webhook registration, the connector's HTTP server and worker) on free ports, in a temp
 * directory. Tests act as the seller (Salesforce REST as the admin user) and as Microsoft (the Partner Center
 * emulator's control API), then wait for the connector to converge.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from 'jsforce';
import {
  ChangePoller,
  LEAD_CURSOR_SOURCE,
  OPPORTUNITY_CURSOR_SOURCE,
  SOLUTION_CURSOR_SOURCE,
} from '../../src/salesforce/changePoller.ts';
import { SALESFORCE_API_VERSION } from '../../src/salesforce/salesforceConnection.ts';
import { emulatorControl } from '../../src/sandbox/emulatorControl.ts';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/startSandbox.ts';
import { createLogger, silentLogger } from '../../src/shared/logger.ts';
import type { CursorRepository } from '../../src/store/store.ts';
import type { DealSyncResult } from '../../src/sync/dealSyncContext.ts';
import { salesforceFieldNamesFrom } from '../../src/sync/salesforceFieldNamesFrom.ts';
import { waitFor } from './waitFor.ts';

export { waitFor };

export interface TestSandbox extends Sandbox {
  dir: string;
  /** Salesforce REST as the admin user (the seller). */
  seller: Connection;
  /** Every deal sync the worker finished, in order. */
  syncs: DealSyncResult[];
  pc(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  sf(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startTestSandbox(
  options: {
    configOverrides?: SandboxOptions['configOverrides'];
    orgSettings?: Record<string, unknown>;
    pollIntervalSeconds?: number;
  } = {},
): Promise<TestSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-e2e-'));
  const syncs: DealSyncResult[] = [];
  const sandbox = await startSandbox({
    dir,
    port: 0,
    pcPort: 0,
    sfPort: 0,
    identityPort: 0,
    seed: false,
    fresh: false,
    host: '127.0.0.1',
    pollIntervalSeconds: options.pollIntervalSeconds ?? 1,
    ...(options.configOverrides ? { configOverrides: options.configOverrides } : {}),
    ...(options.orgSettings ? { orgSettings: options.orgSettings } : {}),
    logger: process.env['COSELL_TEST_LOG']
      ? createLogger({ level: 'debug', pretty: false, destination: process.stderr })
      : silentLogger,
    env: { ...process.env, COSELL_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') },
    say: () => undefined,
    onDealSynced: (result) => syncs.push(result),
  });
  const token = await emulatorControl(sandbox.urls.salesforce, 'POST', '/__emulator/token');
  const seller = new Connection({
    instanceUrl: String(token['instance_url'] ?? sandbox.urls.salesforce),
    accessToken: String(token['access_token']),
    version: SALESFORCE_API_VERSION,
  });
  return {
    ...sandbox,
    dir,
    seller,
    syncs,
    pc: (method, path, body) => emulatorControl(sandbox.urls.partnerCenter, method, path, body),
    sf: (method, path, body) => emulatorControl(sandbox.urls.salesforce, method, path, body),
    async stop() {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Drives one sync of a linked deal now, through the admin API's retry (the worker runs it like any other job),
 * and returns its result: a way to ask "is there anything left to do for this deal?" without waiting.
 */
export async function syncLinkNow(sandbox: TestSandbox, linkId: string): Promise<DealSyncResult> {
  const seen = sandbox.syncs.length;
  const response = await fetch(`${sandbox.urls.connector}/api/links/${linkId}/retry`, { method: 'POST' });
  if (response.status !== 202) throw new Error(`retry of link ${linkId} answered ${response.status}`);
  return waitFor(`the retried sync of link ${linkId}`, () =>
    sandbox.syncs.slice(seen).find((sync) => sync.linkId === linkId && sync.trigger === 'retry'),
  );
}

/**
 * Runs one Salesforce change poll from where the worker's poller stands (a copy of its cursors, so the worker
 * is not disturbed) and returns the opportunity ids it would hand to the worker.
 */
export async function pollFromWorkerCursor(sandbox: TestSandbox): Promise<string[]> {
  const { store, config, mapping, salesforce } = sandbox.connector;
  const connectionId = config.connectionId;
  const copy = new Map<string, string>();
  for (const source of [OPPORTUNITY_CURSOR_SOURCE, SOLUTION_CURSOR_SOURCE, LEAD_CURSOR_SOURCE]) {
    const value = await store.cursors.get(connectionId, source);
    if (value !== null) copy.set(source, value);
  }
  const cursors: CursorRepository = {
    get: async (_connection, source) => copy.get(source) ?? null,
    set: async (_connection, source, value) => {
      copy.set(source, value);
    },
  };
  const poller = new ChangePoller({
    client: salesforce.client,
    cursors,
    connectionId,
    fieldNames: salesforceFieldNamesFrom(mapping),
    watchLeads: mapping.leads.handling === 'lead',
  });
  const { changes } = await poller.poll();
  return changes.map((change) => change.opportunityId);
}

/** Waits until the worker has been idle (no new deal sync) for `quietMs`, after at least `minSyncs` syncs. */
export async function waitForQuiet(
  sandbox: TestSandbox,
  { quietMs = 2_500, minSyncs = 0, timeoutMs = 30_000 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let count = sandbox.syncs.length;
  let since = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (sandbox.syncs.length !== count) {
      count = sandbox.syncs.length;
      since = Date.now();
    }
    const stats = await sandbox.connector.queue.stats();
    if (count >= minSyncs && stats.running === 0 && Date.now() - since >= quietMs) return;
    if (Date.now() > deadline)
      throw new Error(`The connector did not settle (${count} syncs, queue ${JSON.stringify(stats)})`);
  }
}

/** A referral as Microsoft sends it to the partner (POST /__emulator/referrals body). */
export function inboundReferral(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Contoso – Azure landing zone',
    type: 'Shared',
    qualification: 'SalesQualified',
    customerProfile: {
      name: 'Contoso Pharma',
      size: '1001to5000employees',
      address: {
        addressLine1: '10 Market St',
        city: 'Seattle',
        state: 'WA',
        postalCode: '98101',
        country: 'US',
      },
      team: [
        {
          firstName: 'Avery',
          lastName: 'Lee',
          email: 'avery.lee@contoso.example',
          phoneNumber: '+1 206 555 0100',
          title: 'CIO',
        },
      ],
      ids: [],
    },
    consent: {
      consentToToShareInfoWithOthers: true,
      consentToContact: true,
      consentToShareReferralWithMicrosoftSellers: true,
    },
    details: {
      notes: 'Customer is moving 200 VMs to Azure.',
      dealValue: 120000,
      currency: 'USD',
      closingDateTime: '2027-03-31T00:00:00Z',
      requirements: {
        solutions: [
          { type: 'Name', id: 'SOL-34104-EBB', name: 'Migration Factory', publisherName: 'Fabrikam Partner' },
        ],
      },
    },
    inviteContext: {
      notes: 'Microsoft seller: please call the CIO this week.',
      assistanceRequestCode: 'Unknown',
    },
    ...overrides,
  };
}

/** A referral exactly as the Partner Center emulator stores it (control API, no auth). */
export async function referralById(sandbox: TestSandbox, id: string): Promise<Record<string, unknown>> {
  const all = (await sandbox.pc('GET', '/__emulator/referrals')) as unknown as
    | Record<string, unknown>[]
    | { value?: Record<string, unknown>[] };
  const list = Array.isArray(all) ? all : (all.value ?? []);
  const found = list.find((referral) => referral['id'] === id);
  if (!found) throw new Error(`no referral ${id} in the emulator`);
  return found;
}

/** The Salesforce record (an Opportunity unless told) that carries this referral id, read as the seller. */
export async function recordForReferral(
  sandbox: TestSandbox,
  referralId: string,
  fields = 'Id',
  object: 'Opportunity' | 'Lead' = 'Opportunity',
): Promise<Record<string, unknown> | undefined> {
  const rows = await sandbox.seller.query<Record<string, unknown>>(
    `SELECT ${fields} FROM ${object} WHERE Partner_Center_Referral_Id__c = '${referralId}'`,
  );
  return rows.records[0];
}
