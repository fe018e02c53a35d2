/**
 * Composition root: the only place adapters are constructed and wired. `cosell serve`, `cosell worker`,
 * `cosell sync` and the sandbox all start the connector through here.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Connection } from 'jsforce';
import { Agent, type Dispatcher } from 'undici';
import { alertDestinationsFrom } from './alerts/alertDestinationsFrom.ts';
import { AlertEvaluator } from './alerts/alertEvaluator.ts';
import { startAlertSchedule } from './alerts/alertSchedule.ts';
import { AlertSender } from './alerts/alertSender.ts';
import { ConfigError, type ConfigProblem } from './config/configProblem.ts';
import { type CosellConfig, SIGN_IN_CALLBACK_PATH } from './config/configSchema.ts';
import {
  type ConnectionLimits,
  connectionConfigsOf,
  connectionLimits,
  eachConnectionConfig,
} from './config/connectionConfig.ts';
import { defaultMapping } from './domain/mapping/defaultMapping.ts';
import type { Mapping } from './domain/mapping/mappingSchema.ts';
import { parseMappingFile } from './domain/mapping/parseMappingFile.ts';
import { DashboardSessions } from './http/auth/dashboardSessions.ts';
import type { DashboardSignIn } from './http/auth/dashboardSignIn.ts';
import { OpenIdProvider } from './http/auth/openIdProvider.ts';
import { connectionPathPrefix } from './http/connectionPathPrefix.ts';
import { createHttpServer } from './http/createHttpServer.ts';
import { ConnectorHealth } from './http/dashboard/connectorHealth.ts';
import type { DashboardDeps } from './http/dashboard/dashboardDeps.ts';
import { Metrics } from './http/metrics.ts';
import { expectedWebhookUrl, WEBHOOK_PATH } from './http/routes/postPartnerCenterWebhook.ts';
import type { JobQueue, QueueHooks } from './jobs/jobQueue.ts';
import { openJobQueue } from './jobs/openJobQueue.ts';
import {
  PartnerCenterAppAuth,
  PartnerCenterAuth,
  REFERRALS_SCOPE,
  WEBHOOKS_APP_SCOPE,
  WEBHOOKS_SCOPE,
} from './partner-center/partnerCenterAuth.ts';
import { PartnerCenterGateway } from './partner-center/partnerCenterGateway.ts';
import { ReferralClient } from './partner-center/referralClient.ts';
import { WebhookClient } from './partner-center/webhookClient.ts';
import { WebhookSignatureVerifier } from './partner-center/webhookSignatureVerifier.ts';
import { ApiUsageReader } from './salesforce/apiUsageReader.ts';
import { ChangePoller } from './salesforce/changePoller.ts';
import { SalesforceClient } from './salesforce/salesforceClient.ts';
import { openSalesforceConnection, type SalesforceAuth } from './salesforce/salesforceConnection.ts';
import { SalesforceDealGateway } from './salesforce/salesforceDealGateway.ts';
import { salesforceSignInFix } from './salesforce/salesforceSignInAdvice.ts';
import { type Clock, systemClock } from './shared/clock.ts';
import { type KeyLocks, processKeyLocks } from './shared/keyLocks.ts';
import type { Logger } from './shared/logger.ts';
import { retryAtStartup } from './shared/retryAtStartup.ts';
import { errorKindOf, toError, UpstreamError } from './shared/upstreamError.ts';
import { openStore } from './store/openStore.ts';
import { postgresKeyLocks } from './store/postgresKeyLocks.ts';
import { SecretBox, SecretVault } from './store/secretBox.ts';
import type { Store } from './store/store.ts';
import { adaptMappingToOrg, readOrgFacts } from './sync/adaptMappingToOrg.ts';
import { ConnectionGate } from './sync/connectionGate.ts';
import type { DealSyncDeps, DealSyncResult } from './sync/dealSyncContext.ts';
import { markDeadLettered } from './sync/markDeadLettered.ts';
import { salesforceFieldNamesFrom } from './sync/salesforceFieldNamesFrom.ts';
import { startSyncWorker } from './sync/syncWorker.ts';

/** Secret names in the store. */
export const SECRETS = {
  partnerCenterTokenCache: 'partner-center.msal-cache',
  /** The separate Webhooks API sign-in (partnerCenter.webhooksSignIn.kind: separateUser). */
  partnerCenterWebhooksTokenCache: 'partner-center.webhooks.msal-cache',
  salesforceRefreshToken: 'salesforce.refresh-token',
} as const;

export interface ConnectorOptions {
  config: CosellConfig;
  /** The connections to open (default: every connection of the config). */
  connectionIds?: readonly string[];
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  onDealSynced?: (result: DealSyncResult) => void;
  /** With several connections: how often a paused connection's deal jobs are tried (default 60 s; tests). */
  pausedProbeMs?: number;
}

export interface StartOptions {
  /** Serve HTTP (webhooks, API, health). */
  http: boolean;
  /** Run the in-process worker (sync jobs, poller, reconciler). */
  worker: boolean;
}

export interface Connector {
  config: CosellConfig;
  mapping: Mapping;
  store: Store;
  queue: JobQueue;
  vault: SecretVault;
  partnerCenterAuth: PartnerCenterAuth;
  referrals: ReferralClient;
  webhooks: WebhookClient;
  salesforce: { conn: Connection; client: SalesforceClient; gateway: SalesforceDealGateway };
  deps: DealSyncDeps;
  metrics: Metrics;
  /** Checks the alert conditions and notifies (runs on a schedule once started; call evaluate() to run now). */
  alerts: AlertEvaluator;
  /**
   * Every connection this process opened, in config order. The fields above (mapping, clients, deps, alerts) are
   * the first one's: commands act on the one connection their config was limited to.
   */
  connections: ConnectionRuntime[];
  /** The opened connection of this id. */
  connection(id: string): ConnectionRuntime;
  http: FastifyInstance | null;
  /** Base URL the HTTP server listens on, once started with http. */
  url: string | null;
  /** Starts the HTTP server and/or the worker. */
  start(options: StartOptions): Promise<void>;
  close(): Promise<void>;
}

/** Reads the mapping file (or the defaults); every problem is reported as a config problem with its line. */
export function loadMapping(config: CosellConfig): Mapping {
  const file = config.sync.mappingFile;
  if (!file) return defaultMapping;
  const parsed = parseMappingFile(readFileSync(file, 'utf8'), file);
  if (parsed.ok) return parsed.value;
  const problems: ConfigProblem[] = parsed.error.map((problem) => ({
    path: `mapping ${problem.path}`,
    message: problem.message,
    ...(problem.line === undefined ? {} : { line: problem.line }),
  }));
  throw new ConfigError(problems, file);
}

/** An undici dispatcher that also trusts the CA in `file` (sandbox and staging only). */
export function dispatcherTrusting(file: string | undefined): Dispatcher | undefined {
  if (!file) return undefined;
  return new Agent({ connect: { ca: readFileSync(file, 'utf8') } });
}

/** The Salesforce sign-in the config describes; the config schema already checked each flow has what it needs. */
export async function salesforceAuthFrom(config: CosellConfig, vault: SecretVault): Promise<SalesforceAuth> {
  const auth = config.salesforce.auth;
  switch (auth.flow) {
    case 'jwt':
      return {
        flow: 'jwt',
        clientId: auth.clientId,
        username: auth.username,
        // The schema requires exactly one of the two.
        privateKeyPem: auth.privateKey ?? readFileSync(auth.privateKeyFile as string, 'utf8'),
      };
    case 'clientCredentials':
    case 'password':
      return auth;
    case 'refreshToken': {
      const refreshToken = await vault.get(config.connectionId, SECRETS.salesforceRefreshToken);
      if (!refreshToken) {
        throw new UpstreamError({
          kind: 'auth',
          upstream: 'salesforce',
          message:
            'No Salesforce refresh token is stored for this connection: run `cosell connect salesforce` first.',
        });
      }
      return {
        flow: 'refreshToken',
        clientId: auth.clientId,
        ...(auth.clientSecret ? { clientSecret: auth.clientSecret } : {}),
        refreshToken,
      };
    }
  }
}

export async function openConnectorStore(config: CosellConfig): Promise<Store> {
  const store = config.store;
  return store.kind === 'postgres'
    ? openStore({
        kind: 'postgres',
        url: store.url,
        ...(store.maxConnections ? { maxConnections: store.maxConnections } : {}),
        ...(store.schema ? { schema: store.schema } : {}),
      })
    : openStore({ kind: 'sqlite', path: store.path });
}

export async function openQueue(
  config: CosellConfig,
  store: Store,
  logger: Logger,
  clock: Clock,
  hooks: QueueHooks,
): Promise<JobQueue> {
  const settings = {
    deadLetters: store.deadLetters,
    hooks,
    logger: logger.child({ component: 'queue' }),
    clock,
    retry: { maxAttempts: config.queue.maxAttempts, leaseMs: config.queue.leaseSeconds * 1000 },
  };
  // The schema allows pg-boss only with a Postgres store and embedded only with SQLite.
  const storeConfig = config.store;
  return storeConfig.kind === 'postgres'
    ? openJobQueue({
        kind: 'pg-boss',
        ...settings,
        url: storeConfig.url,
        maxConnections: config.queue.maxConnections ?? defaultQueueConnections(config),
        ...(storeConfig.schema ? { schema: `${storeConfig.schema}_queue` } : {}),
      })
    : openJobQueue({ kind: 'embedded', ...settings, path: storeConfig.path });
}

/**
 * pg-boss's pool when queue.maxConnections is not set: 10, or more when the connections' jobs need more (each
 * running job holds one: a connection's deal batches, its related-referral, poll, reconcile and alert jobs).
 */
function defaultQueueConnections(config: CosellConfig): number {
  const held = eachConnectionConfig(config).reduce(
    (total, each) => total + connectionLimits(each).concurrency + 4,
    0,
  );
  return Math.min(200, Math.max(10, held + 2));
}

/**
 * Who the Webhooks API is called as (partnerCenter.webhooksSignIn): a user's sign-in — the Referrals admin's own
 * (`auth` itself) or the separate one — or the app itself with client credentials.
 */
export type WebhooksCaller =
  | { kind: 'user'; auth: PartnerCenterAuth }
  | { kind: 'app'; auth: PartnerCenterAppAuth; clientId: string };

export interface PartnerCenterClients {
  auth: PartnerCenterAuth;
  webhooksCaller: WebhooksCaller;
  referrals: ReferralClient;
  webhooks: WebhookClient;
  dispatcher: Dispatcher | undefined;
  /** Closes the sign-ins' connections. */
  close(): Promise<void>;
}

/** The Partner Center side alone: sign-in (token cache encrypted in the store), Referrals and Webhooks clients. */
export function openPartnerCenter(
  config: CosellConfig,
  vault: SecretVault,
  logger: Logger,
): PartnerCenterClients {
  const dispatcher = dispatcherTrusting(config.partnerCenter.trustedCaFile);
  const caCertPem = config.partnerCenter.trustedCaFile
    ? readFileSync(config.partnerCenter.trustedCaFile, 'utf8')
    : null;
  const signIn = (secret: string, purpose: 'referrals' | 'webhooks') =>
    new PartnerCenterAuth({
      purpose,
      identityUrl: config.partnerCenter.authorityUrl,
      tenantId: config.partnerCenter.tenantId ?? '',
      clientId: config.partnerCenter.clientId ?? '',
      tokenCache: vault.entry(config.connectionId, secret),
      ...(caCertPem === null ? {} : { caCertPem }),
      logger: logger.child({ component: 'partner-center-auth' }),
    });
  const auth = signIn(SECRETS.partnerCenterTokenCache, 'referrals');
  const webhooksSignIn = config.partnerCenter.webhooksSignIn;
  const webhooksCaller: WebhooksCaller =
    webhooksSignIn.kind === 'appOnly'
      ? {
          kind: 'app',
          clientId: webhooksSignIn.clientId,
          auth: new PartnerCenterAppAuth({
            identityUrl: config.partnerCenter.authorityUrl,
            tenantId: config.partnerCenter.tenantId ?? '',
            clientId: webhooksSignIn.clientId,
            clientSecret: webhooksSignIn.clientSecret,
            ...(caCertPem === null ? {} : { caCertPem }),
            logger: logger.child({ component: 'partner-center-auth' }),
          }),
        }
      : {
          kind: 'user',
          auth:
            webhooksSignIn.kind === 'separateUser'
              ? signIn(SECRETS.partnerCenterWebhooksTokenCache, 'webhooks')
              : auth,
        };
  const referrals = new ReferralClient({
    baseUrl: `${config.partnerCenter.referralsUrl.replace(/\/+$/, '')}/v1.0/engagements`,
    getAccessToken: auth.tokenProvider(REFERRALS_SCOPE),
    logger: logger.child({ component: 'referrals' }),
    ...(dispatcher ? { dispatcher } : {}),
  });
  const webhooks = new WebhookClient({
    baseUrl: `${config.partnerCenter.webhooksUrl.replace(/\/+$/, '')}/webhooks/v1`,
    getAccessToken:
      webhooksCaller.kind === 'app'
        ? webhooksCaller.auth.tokenProvider(WEBHOOKS_APP_SCOPE)
        : webhooksCaller.auth.tokenProvider(WEBHOOKS_SCOPE),
    logger: logger.child({ component: 'webhooks' }),
    ...(dispatcher ? { dispatcher } : {}),
  });
  const close = async () => {
    await auth.close();
    if (webhooksCaller.auth !== auth) await webhooksCaller.auth.close();
  };
  return { auth, webhooksCaller, referrals, webhooks, dispatcher, close };
}

/** The dashboard's "Sign in with Microsoft", when dashboard.signIn.kind is microsoft (same authority and CA as Partner Center). */
export function dashboardSignInFrom(
  config: CosellConfig,
  store: Store,
  clock: Clock,
  logger: Logger,
  dispatcher: Dispatcher | undefined,
): DashboardSignIn | undefined {
  const signIn = config.dashboard.signIn;
  if (signIn.kind !== 'microsoft') return undefined;
  const publicUrl = config.server.publicUrl?.replace(/\/+$/, '');
  return {
    provider: new OpenIdProvider({
      authorityUrl: config.partnerCenter.authorityUrl,
      tenantId: signIn.tenantId,
      clientId: signIn.clientId,
      clientSecret: signIn.clientSecret,
      dispatcher,
    }),
    sessions: new DashboardSessions(
      store.dashboardSessions,
      config.connectionId,
      clock,
      signIn.sessionHours * 3600,
    ),
    rules: {
      tenantId: signIn.tenantId,
      allowedUsers: signIn.allowedUsers,
      ...(signIn.allowedGroupId ? { allowedGroupId: signIn.allowedGroupId } : {}),
    },
    redirectUrl: signIn.redirectUrl ?? (publicUrl ? `${publicUrl}${SIGN_IN_CALLBACK_PATH}` : null),
    clock,
    logger: logger.child({ component: 'dashboard-sign-in' }),
  };
}

/**
 * Locks on the customers a sync may create: with Postgres, advisory locks every process of the deployment shares
 * (the schema keeps deployments on one database apart); with SQLite, one process, so in-process locks.
 */
export function openCustomerLocks(config: CosellConfig): KeyLocks {
  const store = config.store;
  return store.kind === 'postgres'
    ? postgresKeyLocks({
        url: store.url,
        namespace: `cosell-customer:${store.schema ?? 'public'}`,
        maxConnections: 2,
      })
    : processKeyLocks();
}

export function openVault(store: Store, env: NodeJS.ProcessEnv): SecretVault {
  return new SecretVault(store.secrets, () => SecretBox.fromEnv(env));
}

/** What the connections of one deployment share: one store, one queue, one set of customer locks, one log. */
interface SharedParts {
  store: Store;
  vault: SecretVault;
  customerLocks: KeyLocks;
  clock: Clock;
  logger: Logger;
  closers: (() => Promise<unknown>)[];
}

/** One Partner Center tenant ↔ Salesforce org pair, opened: its clients, mapping, sync deps, alerts and health. */
export interface ConnectionRuntime {
  id: string;
  /** The config as this connection sees it (its own partnerCenter, salesforce and sync at the top level). */
  config: CosellConfig;
  limits: ConnectionLimits;
  mapping: Mapping;
  partnerCenterAuth: PartnerCenterAuth;
  referrals: ReferralClient;
  webhooks: WebhookClient;
  salesforce: { conn: Connection; client: SalesforceClient; gateway: SalesforceDealGateway };
  deps: DealSyncDeps;
  alerts: AlertEvaluator;
  health: ConnectorHealth;
  /** The Partner Center dispatcher (trusted CA), for the webhook verifier and the dashboard sign-in. */
  partnerCenterDispatcher: Dispatcher | undefined;
}

/** Opens one connection's clients (signing in to Salesforce and reading its org) on the shared parts. */
async function openConnection(shared: SharedParts, config: CosellConfig): Promise<ConnectionRuntime> {
  const { store, vault, customerLocks, clock } = shared;
  const connectionId = config.connectionId;
  const logger = shared.logger.child({ connectionId });
  const configuredMapping = loadMapping(config);
  await store.connections.upsert({ id: connectionId, name: connectionId });

  const partnerCenterClients = openPartnerCenter(config, vault, logger);
  const { auth: partnerCenterAuth, referrals, webhooks, dispatcher } = partnerCenterClients;
  shared.closers.push(() => partnerCenterClients.close());

  // Salesforce may refuse a start-up call for a moment (429, 5xx): wait and try again rather than exit.
  const salesforceAuth = await salesforceAuthFrom(config, vault);
  const { conn, client, orgFacts } = await retryAtStartup(
    'Reading the Salesforce org (sign-in and describe)',
    async () => {
      const conn = await openSalesforceConnection({
        loginUrl: config.salesforce.loginUrl,
        auth: salesforceAuth,
        logger: logger.child({ component: 'salesforce' }),
      });
      const client = new SalesforceClient(conn);
      return { conn, client, orgFacts: await readOrgFacts(client) };
    },
    { logger },
  );
  const adapted = adaptMappingToOrg(configuredMapping, orgFacts);
  for (const note of adapted.notes) logger.warn(note);
  const mapping = adapted.mapping;
  const gateway = new SalesforceDealGateway({ client, mapping, customerLocks });
  const limits = connectionLimits(config);
  const deps: DealSyncDeps = {
    connectionId,
    store,
    partnerCenter: new PartnerCenterGateway(referrals),
    salesforce: gateway,
    mapping,
    clock,
    logger: logger.child({ component: 'sync' }),
    partnerCenterConcurrency: limits.partnerCenterConcurrency,
  };
  const apiUsage = new ApiUsageReader({ client, clock, logger: logger.child({ component: 'alerts' }) });
  const alertDestinations = alertDestinationsFrom(config.alerts);
  const alerts = new AlertEvaluator({
    connectionId,
    store,
    clock,
    logger: logger.child({ component: 'alerts' }),
    thresholds: {
      salesforceApiBudgetRatio:
        config.alerts.salesforceApiBudgetRatio ?? config.sync.salesforceApiBudgetRatio,
      webhookSilenceMs: config.alerts.webhookSilenceMinutes * 60_000,
    },
    destinations: alertDestinations,
    sender: new AlertSender({ secretUrls: alertDestinations.map((destination) => destination.url) }),
    salesforceApiUsage: () => apiUsage.read(),
    dashboardUrl: connectionDashboardUrl(config),
  });
  const health = new ConnectorHealth({
    partnerCenterSignIn: () => partnerCenterAuth.signInStatus(),
    salesforceSignIn: async () => {
      await client.call('check the Salesforce sign-in', (connection) => connection.limits());
      return `${config.salesforce.auth.flow} at ${conn.instanceUrl}`;
    },
    salesforceSignInFix: (message) => salesforceSignInFix(config.salesforce.auth.flow, message),
    webhookRegistration: () => webhooks.show(),
    expectedWebhookUrl: expectedWebhookUrl(config.server.publicUrl, connectionWebhookPath(config)),
    clock,
  });
  return {
    id: connectionId,
    config,
    limits,
    mapping,
    partnerCenterAuth,
    referrals,
    webhooks,
    salesforce: { conn, client, gateway },
    deps,
    alerts,
    health,
    partnerCenterDispatcher: dispatcher,
  };
}

/**
 * What a process that runs one connection's deal jobs claims: with several connections in the config, that
 * connection's jobs only; with one, every job (as a deployment of one connection always has).
 */
export function claimScopeOf(config: CosellConfig): { connectionId?: string } {
  return config.connections.length > 1 ? { connectionId: config.connectionId } : {};
}

/** The dashboard link in a connection's alerts: showing that connection when the config lists several. */
function connectionDashboardUrl(config: CosellConfig): string | null {
  const base = config.alerts.dashboardUrl ?? config.server.publicUrl ?? null;
  if (base === null || config.connections.length === 1 || !URL.canParse(base)) return base;
  const url = new URL(base);
  url.searchParams.set('connection', config.connectionId);
  return url.toString();
}

/**
 * Where Partner Center delivers this connection's webhooks: the first connection of a config keeps
 * /webhooks/partner-center (what a deployment of one connection registered), every other one has its own path.
 */
export function connectionWebhookPath(config: CosellConfig): string {
  return config.connectionId === config.connections[0]?.id
    ? WEBHOOK_PATH
    : `${connectionPathPrefix(config.connectionId)}${WEBHOOK_PATH}`;
}

/** Builds every part of the connector (store, queue, clients) without serving or working yet. */
export async function openConnector(options: ConnectorOptions): Promise<Connector> {
  const { config, logger } = options;
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  // Each connection's mapping file is read (and reported) before anything is opened.
  for (const each of connectionConfigsOf(
    config,
    options.connectionIds ?? config.connections.map((c) => c.id),
  ))
    loadMapping(each);
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse())
      await closer().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping'));
  };
  try {
    const store = await openConnectorStore(config);
    closers.push(() => store.close());
    const vault = openVault(store, env);
    // Closed after the queue, whose running batches may still hold customer locks while they drain.
    const customerLocks = openCustomerLocks(config);
    closers.push(() => customerLocks.close());

    const firstId = config.connectionId;
    /** Each connection's claim gate, once its worker runs (several connections only). */
    const gates = new Map<string, ConnectionGate>();
    const queue = await openQueue(config, store, logger, clock, {
      onAuthFailure: async (jobConnectionId, error) => {
        const pausedId = jobConnectionId ?? firstId;
        gates.get(pausedId)?.paused();
        await store.connections.setState(pausedId, 'paused', error.message);
        logger.error({ connectionId: pausedId, reason: error.message }, 'connection paused: sign-in needed');
      },
      onDeadLetter: async (job, kind, error) => {
        logger.error(
          { job: job.name, key: job.key, kind, reason: error.message },
          'job moved to dead letters',
        );
        // The deal shows it everywhere (link state, dashboard, cosell status), and a waiting cosell sync hears of it.
        await markDeadLettered({ store, connectionId: job.connectionId ?? firstId }, job, error);
      },
    });
    closers.push(() => queue.stop({ timeoutMs: 10_000 }));

    const shared: SharedParts = { store, vault, customerLocks, clock, logger, closers };
    const connections = await openConnections(
      shared,
      config,
      options.connectionIds ?? config.connections.map((each) => each.id),
    );
    const [first] = connections as [ConnectionRuntime, ...ConnectionRuntime[]];
    // With several connections in the config, each one's jobs are claimed apart (also when this process opened one
    // of them: it must never take another connection's jobs).
    const several = config.connections.length > 1;
    const metrics = new Metrics();
    let alertScheduleStarted = false;
    let workerStarted = false;

    const connector: Connector = {
      config,
      mapping: first.mapping,
      store,
      queue,
      vault,
      partnerCenterAuth: first.partnerCenterAuth,
      referrals: first.referrals,
      webhooks: first.webhooks,
      salesforce: first.salesforce,
      deps: first.deps,
      metrics,
      alerts: first.alerts,
      connections,
      connection(id: string): ConnectionRuntime {
        const found = connections.find((each) => each.id === id);
        if (!found) throw new Error(`No connection ${id} is open in this process.`);
        return found;
      },
      http: null,
      url: null,
      close,
      async start(start: StartOptions) {
        if (start.http) {
          const http = await createHttpServer({
            connectionId: first.id,
            webhookAtRoot: first.id === config.connections[0]?.id,
            store,
            queue,
            verifier: webhookVerifierOf(first, clock),
            clock,
            logger,
            metrics,
            adminToken: config.server.adminToken,
            signIn: dashboardSignInFrom(config, store, clock, logger, first.partnerCenterDispatcher),
            dashboard: dashboardDepsOf(first),
            connections: connections.map((each) => ({
              id: each.id,
              limits: each.limits,
              dashboard: dashboardDepsOf(each),
              verifier: webhookVerifierOf(each, clock),
            })),
          });
          closers.push(() => http.close());
          connector.http = http;
          connector.url = await http.listen({ host: config.server.host, port: config.server.port });
        }
        if (start.worker && !workerStarted) {
          workerStarted = true;
          for (const each of connections) await startConnectionWorker(each);
        }
        // Worker processes take the evaluation jobs (`serve --no-worker` runs no jobs); the queue runs each
        // connection's once per interval across them.
        if (start.worker && !alertScheduleStarted) {
          alertScheduleStarted = true;
          for (const each of connections)
            await startAlertSchedule({
              queue,
              evaluator: each.alerts,
              connectionId: each.id,
              scoped: several,
              clock,
              logger: logger.child({ component: 'alerts', connectionId: each.id }),
              intervalMs: config.alerts.evaluateIntervalSeconds * 1000,
            });
        }
      },
    };

    function gateOf(connectionId: string): ConnectionGate {
      const gate = new ConnectionGate({
        store,
        connectionId,
        clock,
        ...(options.pausedProbeMs === undefined ? {} : { probeIntervalMs: options.pausedProbeMs }),
      });
      gates.set(connectionId, gate);
      return gate;
    }

    /** Runs one connection's jobs: its own claims (a paused connection's deals wait), caps and poll budget. */
    async function startConnectionWorker(each: ConnectionRuntime): Promise<void> {
      const { client } = each.salesforce;
      const poller = new ChangePoller({
        client,
        cursors: store.cursors,
        connectionId: each.id,
        fieldNames: salesforceFieldNamesFrom(each.mapping),
        watchLeads: each.mapping.leads.handling === 'lead',
        clock,
      });
      await startSyncWorker({
        deps: each.deps,
        queue,
        poller,
        ...(several ? { scope: { connectionId: each.id, gate: gateOf(each.id) } } : {}),
        concurrency: each.limits.concurrency,
        batchSize: config.queue.batchSize,
        gatherMs: config.queue.gatherMs,
        pollIntervalMs: each.config.sync.pollIntervalSeconds * 1000,
        salesforceApiUsage: () => client.apiUsage(),
        salesforceApiBudgetRatio: each.limits.salesforceApiBudgetRatio,
        reconcileIntervalMs: each.config.sync.reconcileIntervalSeconds * 1000,
        onDealSynced: (result) => {
          metrics.increment('cosell_deal_syncs_total', 'Deal syncs by action', {
            action: result.action,
            ...(several ? { connection: each.id } : {}),
          });
          options.onDealSynced?.(result);
        },
      });
    }
    return connector;
  } catch (error) {
    await close();
    throw error;
  }
}

/** Checks the signatures of one connection's webhook deliveries (its tenant's certificate hosts and roots). */
function webhookVerifierOf(each: ConnectionRuntime, clock: Clock): WebhookSignatureVerifier {
  const { webhook } = each.config.partnerCenter;
  return new WebhookSignatureVerifier({
    ...(webhook.certificateHosts ? { allowedCertificateHosts: webhook.certificateHosts } : {}),
    ...(webhook.trustedRootsFile
      ? { trustedRootsPem: [readFileSync(webhook.trustedRootsFile, 'utf8')] }
      : {}),
    ...(each.partnerCenterDispatcher ? { dispatcher: each.partnerCenterDispatcher } : {}),
    clock,
  });
}

/** What the dashboard's routes of one connection read beyond the store and the queue. */
function dashboardDepsOf(each: ConnectionRuntime): DashboardDeps {
  const { conn, client } = each.salesforce;
  return {
    sync: each.deps,
    salesforceInstanceUrl: () => conn.instanceUrl || null,
    referralUrlTemplate: each.config.dashboard.referralUrlTemplate,
    salesforceApiUsage: () => client.apiUsage(),
    salesforceApiBudgetRatio: each.limits.salesforceApiBudgetRatio,
    health: each.health,
    limits: each.limits,
  };
}

/**
 * Opens every connection of the config. With several, one whose sign-in is refused (expired, revoked) is paused
 * and left out, so the others run; a process of one connection stops on it, as it always has.
 */
async function openConnections(
  shared: SharedParts,
  config: CosellConfig,
  ids: readonly string[],
): Promise<ConnectionRuntime[]> {
  const configs = connectionConfigsOf(config, ids);
  if (configs.length === 0) throw new Error(`No connection ${ids.join(', ')} in the config.`);
  if (configs.length === 1) return [await openConnection(shared, configs[0] as CosellConfig)];
  const opened: ConnectionRuntime[] = [];
  let firstError: unknown = null;
  for (const each of configs) {
    try {
      opened.push(await openConnection(shared, each));
    } catch (error) {
      if (errorKindOf(error) !== 'auth') throw error;
      firstError ??= error;
      const reason = toError(error).message;
      await shared.store.connections.setState(each.connectionId, 'paused', reason);
      shared.logger.error(
        { connectionId: each.connectionId, reason },
        'connection paused: its sign-in was refused at start; the other connections run (sign in again, then restart)',
      );
    }
  }
  if (opened.length === 0) throw firstError;
  return opened;
}
