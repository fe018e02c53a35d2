import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { type Clock, systemClock } from '../../src/shared/clock.ts';
import { type Logger, silentLogger } from '../../src/shared/logger.ts';
import { CoalescedJsonFile } from '../shared/coalescedJsonFile.ts';
import { FaultInjector } from '../shared/faultInjector.ts';
import { ApiSettings, type ApiSettingsInput } from './apiSettings.ts';
import { registerControlRoutes } from './controlRoutes.ts';
import type { CoSellRuleSettingsInput } from './coSellRules.ts';
import { EmulatorClock } from './emulatorClock.ts';
import { emptyState } from './emulatorState.ts';
import { seedUsers } from './emulatorUsers.ts';
import { IdentityProvider } from './identityProvider.ts';
import { CERTIFICATE_PATH, createIdentityServer } from './identityServer.ts';
import { guidFrom, IdGenerator } from './idGenerator.ts';
import { pcErrorBody, pcErrorForStatus } from './pcError.ts';
import { registerReferralRoutes } from './referralRoutes.ts';
import { ReferralService } from './referralService.ts';
import { loadState } from './stateFile.ts';
import { createTestCertificates } from './testCertificates.ts';
import { TokenIssuer } from './tokenIssuer.ts';
import { referralResourceUri, WebhookDispatcher } from './webhookDispatcher.ts';
import { registerWebhookRoutes } from './webhookRoutes.ts';

export interface PartnerCenterEmulatorOptions {
  /** Referrals + Webhooks API + control API, plain HTTP; 0 = any free port (default 0). */
  port?: number;
  /** Entra ID emulator, HTTPS with the emulator's test CA; 0 = any free port. */
  identityPort?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Added to every API response (not to control calls). */
  latencyMs?: number;
  /** Default: systemClock; the control API's clock advance is added on top. */
  clock?: Clock;
  /** Load state at start, save on change and on close (JSON). */
  stateFile?: string;
  logger?: Logger;
  /** Access-token lifetime (default 3600). */
  tokenLifetimeSeconds?: number;
  /** Refresh-token lifetime (default 90 days); expired ones answer invalid_grant AADSTS700082. */
  refreshTokenLifetimeSeconds?: number;
  /** Approve every device code as the default admin at once (sandbox). Default false. */
  autoApproveDeviceCodes?: boolean;
  /**
   * Redirect URIs registered on both emulated apps besides the loopback ones, which are always allowed
   * (http://localhost, 127.0.0.1 or [::1], any port and path), e.g. a dashboard's public callback URL.
   */
  redirectUris?: string[];
  /** The `interval` returned by the device code endpoint (default 1). */
  deviceCodeIntervalSeconds?: number;
  /** First webhook retry delay (default 100); doubles per attempt up to webhookMaxRetryDelayMs (default 5000). */
  webhookRetryBaseMs?: number;
  webhookMaxRetryDelayMs?: number;
  /** How long a webhook receiver may take to answer (default 10000). */
  webhookTimeoutMs?: number;
  /** Co-sell shape rules of the tenant (Services partner, marketplace intent, co-sell-ready solutions). */
  coSellRules?: CoSellRuleSettingsInput;
  /**
   * Where the emulated API may differ from Microsoft's docs: `undocumentedFilters` (`evaluate` by default; `ignore`,
   * `reject` or `empty` for `$filter` clauses on fields the docs do not list as filterable, e.g. externalReferenceId).
   */
  apiSettings?: ApiSettingsInput;
}

export interface PartnerCenterEmulator {
  /** http://127.0.0.1:<port> (API base; /v1.0/engagements/referrals, /webhooks/v1/registration…). */
  url: string;
  /** https://127.0.0.1:<identityPort> */
  identityUrl: string;
  /** The default partner tenant. */
  tenantId: string;
  /** A pre-registered public client app id (device code + auth code + refresh allowed). */
  clientId: string;
  /** For client_credentials (webhook API only). */
  confidentialClient: { clientId: string; clientSecret: string };
  /** The test root CA: trust it for identityUrl and for webhook certificate chains. */
  caCertPem: string;
  /** https URL (on the identity server) where the webhook signing leaf cert is served (DER .cer). */
  certificateUrl: string;
  /**
   * admin: Referrals admin + Admin agent; events: Billing admin only (Webhooks API, not Referrals);
   * noRole: no Partner Center role. All sign in with MFA until a control call says otherwise.
   */
  users: {
    admin: { username: string; password: string };
    events: { username: string; password: string };
    noRole: { username: string; password: string };
  };
  close(): Promise<void>;
}

const ID_SEED = 'cosell-partner-center-emulator';

function listeningUrl(app: FastifyInstance, scheme: 'http' | 'https', host: string): string {
  const address = app.server.address() as AddressInfo;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

export async function startPartnerCenterEmulator(
  options: PartnerCenterEmulatorOptions = {},
): Promise<PartnerCenterEmulator> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const state = options.stateFile ? loadState(options.stateFile) : emptyState();
  const clock = new EmulatorClock(options.clock ?? systemClock, state.clockOffsetMs);
  const ids = new IdGenerator(ID_SEED, state.idCounter);
  const certificates = await createTestCertificates(clock.now());

  const tenantId = guidFrom(`${ID_SEED}:tenant`);
  const clientId = guidFrom(`${ID_SEED}:public-client`);
  const confidentialClient = {
    clientId: guidFrom(`${ID_SEED}:confidential-client`),
    clientSecret: `emu~${guidFrom(`${ID_SEED}:client-secret`).replace(/-/g, '')}`,
  };
  const { admin, events, noRole } = seedUsers(ID_SEED);

  let apiUrl = '';
  let identityUrl = '';
  let closed = false;
  const stateFile = options.stateFile
    ? new CoalescedJsonFile(
        options.stateFile,
        () => {
          state.idCounter = ids.count;
          state.clockOffsetMs = clock.offsetMs;
          return state;
        },
        {
          minDelayMs: 250,
          onError: (error) =>
            logger.error(
              { err: error, stateFile: options.stateFile },
              'could not save the emulator state file; check the path is writable',
            ),
        },
      )
    : null;
  const onChange = () => {
    if (!closed) stateFile?.scheduleSave();
  };

  const issuer = new TokenIssuer(clock, guidFrom(`${ID_SEED}:signing-key`).slice(0, 8));
  const identity = new IdentityProvider(
    {
      tenantId,
      publicClientId: clientId,
      confidentialClient,
      users: [admin, events, noRole],
      accessTokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
      refreshTokenLifetimeSeconds: options.refreshTokenLifetimeSeconds ?? 90 * 86_400,
      deviceCodeIntervalSeconds: options.deviceCodeIntervalSeconds ?? 1,
      autoApproveDeviceCodes: options.autoApproveDeviceCodes ?? false,
      redirectUris: options.redirectUris ?? [],
      idSeed: ID_SEED,
      identityUrl: () => identityUrl,
    },
    issuer,
    clock,
  );

  const identityApp = createIdentityServer({
    tls: certificates.tls,
    identity,
    issuer,
    webhookCertificateDer: certificates.webhookSigning.certDer,
  });
  await identityApp.listen({ port: options.identityPort ?? 0, host });
  identityUrl = listeningUrl(identityApp, 'https', host);
  const certificateUrl = `${identityUrl}${CERTIFICATE_PATH}`;

  const dispatcher = new WebhookDispatcher(
    state,
    clock,
    ids,
    {
      signingKeyPem: certificates.webhookSigning.keyPem,
      certificateUrl,
      retryBaseMs: options.webhookRetryBaseMs ?? 100,
      maxRetryDelayMs: options.webhookMaxRetryDelayMs ?? 5000,
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
    },
    logger,
    onChange,
  );
  const referrals = new ReferralService(
    state,
    clock,
    ids,
    { organizationId: tenantId, organizationName: 'Contoso Partner (emulator)', mpnId: '1209668' },
    () => apiUrl,
    (eventName, referralId) => {
      dispatcher.enqueue(eventName, referralResourceUri(referralId));
    },
    onChange,
    options.coSellRules,
  );

  const settings = new ApiSettings(options.apiSettings);
  const app = Fastify({ logger: false });
  app.addContentTypeParser(
    ['application/json-patch+json', 'application/merge-patch+json'],
    { parseAs: 'string' },
    app.getDefaultJsonParser('ignore', 'ignore'),
  );
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(pcErrorBody('itemNotFound', `No route for ${request.method} ${request.url.split('?')[0]}.`)),
  );
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) logger.error({ err: error }, 'partner center emulator error');
    return reply
      .code(status)
      .send(
        pcErrorBody(
          status === 500 ? 'generalException' : 'invalidRequest',
          status === 500 ? 'Internal error in the emulator.' : error.message,
        ),
      );
  });
  const latencyMs = options.latencyMs ?? 0;
  // Calls to Microsoft's APIs (not the control API), for benchmarks and tests: GET /__emulator/usage.
  const usage = { referrals: 0, webhooks: 0 };
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/v1.0/')) usage.referrals += 1;
    else if (request.url.startsWith('/webhooks/')) usage.webhooks += 1;
    if (latencyMs > 0 && !request.url.startsWith('/__emulator/')) {
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
    }
  });
  app.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/v1.0/')) return;
    const requestId = request.headers['request-id'];
    const clientRequestId = request.headers['client-request-id'];
    reply.header('request-id', typeof requestId === 'string' ? requestId : randomUUID());
    if (typeof clientRequestId === 'string') reply.header('client-request-id', clientRequestId);
    reply.header('timestamp', clock.now().toISOString());
  });
  const faults = new FaultInjector({ errorBody: pcErrorForStatus });
  faults.install(app);

  registerReferralRoutes(app, {
    referrals,
    issuer,
    identity,
    settings,
    apiUrl: () => apiUrl,
    now: () => clock.now(),
  });
  registerWebhookRoutes(app, { state, dispatcher, issuer, identity, ids, clock, onChange });
  app.get('/__emulator/usage', async () => ({ ...usage, total: usage.referrals + usage.webhooks }));
  registerControlRoutes(app, {
    state,
    referrals,
    settings,
    identity,
    issuer,
    dispatcher,
    clock,
    ids,
    publicClientId: clientId,
    onChange,
    reset: () => {
      faults.clear();
      dispatcher.reset();
      referrals.reset();
      settings.reset();
      state.registration = null;
      clock.offsetMs = 0;
      ids.reset();
      onChange();
    },
  });

  try {
    await app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    await identityApp.close();
    throw error;
  }
  apiUrl = listeningUrl(app, 'http', host);
  dispatcher.resumePending();
  logger.info({ url: apiUrl, identityUrl }, 'partner center emulator listening');

  return {
    url: apiUrl,
    identityUrl,
    tenantId,
    clientId,
    confidentialClient,
    caCertPem: certificates.ca.certPem,
    certificateUrl,
    users: {
      admin: { username: admin.username, password: admin.password },
      events: { username: events.username, password: events.password },
      noRole: { username: noRole.username, password: noRole.password },
    },
    async close() {
      if (closed) return;
      closed = true;
      await dispatcher.close();
      await Promise.all([app.close(), identityApp.close()]);
      stateFile?.flush();
    },
  };
}
