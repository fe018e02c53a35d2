/**
 * The one configuration schema. `cosell.yaml` (or `--config FILE`) is parsed against it, then
 * `COSELL_*` environment variables override single values (see envOverrides.ts). Secrets are written
 * in the file as `${ENV_NAME}` references and resolved at load time; tokens obtained by
 * `cosell connect …` are stored encrypted in the store, never in this file.
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { ALERT_FORMATS } from '../alerts/alertPayload.ts';
import { LOG_LEVELS } from '../shared/logger.ts';

const url = z.url({ message: 'must be an absolute URL such as https://example.com' });
const positiveSeconds = z.number().int().positive();

/** A value a variant needs: when it is absent, the message says which choice needs it. */
const requiredText = (neededBy: string) =>
  z.string({
    error: (issue) => (issue.input === undefined ? `is missing (${neededBy} needs it)` : 'must be text'),
  });

export const DEFAULT_SQLITE_PATH = './.cosell/cosell.db';

const sqliteStoreSchema = z
  .object({
    kind: z.literal('sqlite').default('sqlite'),
    /** SQLite database file. */
    path: z.string().min(1).default(DEFAULT_SQLITE_PATH),
  })
  .strict();

const postgresStoreSchema = z
  .object({
    kind: z.literal('postgres'),
    /** Postgres connection URL, e.g. postgres://user:pass@host:5432/db. */
    url: requiredText('store.kind postgres').min(1),
    /** Postgres schema for all tables. */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, 'use lower-case letters, digits and _')
      .optional(),
    /** Most Postgres connections the store opens in one process (default 10). */
    maxConnections: z.number().int().min(1).max(100).optional(),
  })
  .strict();

/** `kind` picks the variant; a key of the other variant (e.g. `url` with sqlite) is reported as unknown. */
export const storeConfigSchema = z.discriminatedUnion('kind', [sqliteStoreSchema, postgresStoreSchema]);

export const queueConfigSchema = z
  .object({
    /** embedded = tables in the SQLite store; pg-boss = Postgres. Defaults to match the store. */
    kind: z.enum(['embedded', 'pg-boss']).optional(),
    /** Deal batches one worker process runs at once: enough to keep it busy while the other sides answer. */
    concurrency: z.number().int().min(1).max(64).default(5),
    /** pg-boss: most Postgres connections for claiming and running jobs per process (default 10; each running job holds one). */
    maxConnections: z.number().int().min(6).max(200).optional(),
    maxAttempts: z.number().int().min(1).max(100).default(8),
    /** A job held by a worker that died runs again after this long (running jobs renew it as they go). */
    leaseSeconds: z.number().int().min(1).max(3600).default(30),
    /** Most deals one worker claims and syncs together (200 = one sObject Collection call per record kind). */
    batchSize: z.number().int().min(1).max(200).default(200),
    /** After a deal job is due, wait this long for others to join its batch (bursts batch; one delivery barely waits). */
    gatherMs: z.number().int().min(0).max(1000).default(25),
  })
  .strict();

export const serverConfigSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(3000),
    /** The public HTTPS base URL Partner Center delivers webhooks to (…/webhooks/partner-center is appended). */
    publicUrl: url.optional(),
    /** When set, the admin API (/api/…) and dashboard require `Authorization: Bearer <adminToken>`. */
    adminToken: z.string().min(16, 'use at least 16 characters (e.g. `openssl rand -hex 24`)').optional(),
  })
  .strict();

/** Microsoft's and Salesforce's production URLs: the defaults, and what messages say a setting normally is. */
export const DEFAULT_URLS = {
  referrals: 'https://api.partner.microsoft.com',
  webhooks: 'https://api.partnercenter.microsoft.com',
  authority: 'https://login.microsoftonline.com',
  salesforceLogin: 'https://login.salesforce.com',
} as const;

export const partnerCenterConfigSchema = z
  .object({
    /** Referrals API base. */
    referralsUrl: url.default(DEFAULT_URLS.referrals),
    /** Classic API base that hosts the Webhooks API. */
    webhooksUrl: url.default(DEFAULT_URLS.webhooks),
    /** Entra ID authority host. */
    authorityUrl: url.default(DEFAULT_URLS.authority),
    tenantId: z.string().min(1).optional(),
    /** The Entra ID app registration used to sign in the Referrals-admin user. */
    clientId: z.string().min(1).optional(),
    /** PEM file with extra CA certificates to trust for Partner Center and Entra ID (sandbox/staging only). */
    trustedCaFile: z.string().min(1).optional(),
    /**
     * How `cosell connect partner-center` signs the Referrals admin in: in the browser (authorization code
     * + PKCE, redirect to http://localhost:<redirectPort>; register http://localhost as a "Mobile and
     * desktop applications" redirect URI on the app), or with a device code (often blocked by Conditional Access).
     */
    signIn: z
      .discriminatedUnion('flow', [
        z
          .object({
            flow: z.literal('authorizationCode'),
            /** Loopback port for the redirect; 0 = any free port (fix one to forward it over SSH). */
            redirectPort: z.number().int().min(0).max(65_535).default(0),
          })
          .strict(),
        z.object({ flow: z.literal('deviceCode') }).strict(),
      ])
      .prefault({ flow: 'authorizationCode' }),
    /**
     * Who calls the Webhooks API: the Referrals admin's sign-in (`sameUser`), a second, separate sign-in
     * (`separateUser`, made with `cosell connect partner-center --webhooks`) by a user holding a role the
     * Webhooks API accepts (Billing admin, Admin agent, Sales agent, Helpdesk agent), or the app itself
     * (`appOnly`: client credentials of a web app registered in Partner Center; the Webhooks API accepts
     * app-only tokens, the Referrals API does not).
     */
    webhooksSignIn: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('sameUser') }).strict(),
        z.object({ kind: z.literal('separateUser') }).strict(),
        z
          .object({
            kind: z.literal('appOnly'),
            /** The web app's (confidential client's) id: it needs a secret, so it is rarely the sign-in app. */
            clientId: requiredText('webhooksSignIn.kind appOnly').min(1),
            /** Its client secret: write it as ${ENV_NAME}, never inline. */
            clientSecret: requiredText('webhooksSignIn.kind appOnly').min(1),
          })
          .strict(),
      ])
      .prefault({ kind: 'sameUser' }),
    webhook: z
      .object({
        /** host[:port] allowed in X-MS-Certificate-Url. */
        certificateHosts: z.array(z.string().min(1)).min(1).optional(),
        /** PEM file with the roots webhook certificates must chain to (default: the system roots). */
        trustedRootsFile: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

const jwtAuthSchema = z
  .object({
    flow: z.literal('jwt').default('jwt'),
    clientId: requiredText('the JWT bearer flow').min(1),
    /** The integration user. */
    username: requiredText('the JWT bearer flow').min(1),
    /** PEM private key, inline; or privateKeyFile. Exactly one of the two. */
    privateKey: z.string().min(1).optional(),
    privateKeyFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine(privateKeyRule, {
    // Reported together with other missing JWT settings, unless the key settings themselves are malformed.
    when: (payload) =>
      payload.issues.every((issue) => !['privateKey', 'privateKeyFile'].includes(String(issue.path?.[0]))),
  });

function privateKeyRule(
  auth: { privateKey?: string | undefined; privateKeyFile?: string | undefined },
  context: z.RefinementCtx,
): void {
  if (auth.privateKey === undefined && auth.privateKeyFile === undefined)
    context.addIssue({
      code: 'custom',
      path: ['privateKeyFile'],
      message: 'is missing (the JWT bearer flow needs a private key)',
      params: {
        hint: 'set salesforce.auth.privateKeyFile to the PEM key whose certificate is on the External Client App (`cosell init --jwt-key` writes a pair)',
      },
    });
  if (auth.privateKey !== undefined && auth.privateKeyFile !== undefined)
    context.addIssue({
      code: 'custom',
      path: ['privateKey'],
      message: 'privateKey and privateKeyFile are both set',
      params: { hint: 'keep one of them: the file (recommended) or the inline PEM' },
    });
}

const refreshTokenAuthSchema = z
  .object({
    flow: z.literal('refreshToken'),
    clientId: requiredText('the refresh-token flow').min(1),
    clientSecret: z.string().min(1).optional(),
  })
  .strict();

const clientCredentialsAuthSchema = z
  .object({
    flow: z.literal('clientCredentials'),
    clientId: requiredText('the client-credentials flow').min(1),
    clientSecret: requiredText('the client-credentials flow').min(1),
  })
  .strict();

const passwordAuthSchema = z
  .object({
    flow: z.literal('password'),
    clientId: requiredText('the password flow').min(1),
    clientSecret: requiredText('the password flow').min(1),
    username: requiredText('the password flow').min(1),
    /** Development only: orgs created since Summer '23 block this flow by default. */
    password: requiredText('the password flow').min(1),
  })
  .strict();

/** `flow` picks the variant; each variant lists exactly the settings it uses. */
export const salesforceAuthConfigSchema = z.discriminatedUnion('flow', [
  jwtAuthSchema,
  refreshTokenAuthSchema,
  clientCredentialsAuthSchema,
  passwordAuthSchema,
]);

export const salesforceConfigSchema = z
  .object({
    /** https://login.salesforce.com, https://test.salesforce.com or your My Domain URL. */
    loginUrl: url.default(DEFAULT_URLS.salesforceLogin),
    // No auth section means the JWT flow, whose own checks then name what is missing.
    auth: salesforceAuthConfigSchema.prefault({} as z.input<typeof jwtAuthSchema>),
  })
  .strict();

export const syncConfigSchema = z
  .object({
    /** Mapping file (YAML); the built-in defaults apply when absent. */
    mappingFile: z.string().min(1).optional(),
    pollIntervalSeconds: positiveSeconds.default(30),
    reconcileIntervalSeconds: positiveSeconds.default(900),
    /** Above this share of Salesforce's daily API requests, the poller slows down tenfold (webhooks still flow). */
    salesforceApiBudgetRatio: z.number().gt(0).max(1).default(0.8),
    /** Most deal batches of this connection one worker process runs at once (default: queue.concurrency). */
    concurrency: z.number().int().min(1).max(64).optional(),
    /** Most Partner Center calls one deal batch of this connection makes at once. */
    partnerCenterConcurrency: z.number().int().min(1).max(32).default(8),
  })
  .strict();

const DEFAULT_REFERRAL_URL_TEMPLATE =
  'https://partner.microsoft.com/dashboard/referrals/v2/opportunities/{referralId}';

/** The path of the dashboard's sign-in callback; a configured redirectUrl must end with it. */
export const SIGN_IN_CALLBACK_PATH = '/auth/callback';

const allowedUser = z
  .string()
  .regex(/^[^\s@]+@[^\s@]+$/, 'use the email address or user principal name, e.g. ana@contoso.com');

const microsoftSignInSchema = z
  .object({
    kind: z.literal('microsoft'),
    /** The Entra ID tenant whose accounts may sign in (a GUID); tokens of any other tenant are refused. */
    tenantId: requiredText('dashboard sign-in').min(1),
    /** The app registration (client) id of the dashboard's web app. */
    clientId: requiredText('dashboard sign-in').min(1),
    /** Its client secret: write it as ${ENV_NAME}, never inline. */
    clientSecret: requiredText('dashboard sign-in').min(1),
    /**
     * The redirect URI registered on the app (…/auth/callback). Default: server.publicUrl + /auth/callback,
     * or, when listening on loopback without a public URL, the address the browser used.
     */
    redirectUrl: url
      .refine((value) => !URL.canParse(value) || new URL(value).pathname === SIGN_IN_CALLBACK_PATH, {
        message: `must end with ${SIGN_IN_CALLBACK_PATH}, the connector's sign-in callback`,
      })
      .refine(safeWebhookUrl, { message: 'must be an https URL (plain http only to this machine)' })
      .optional(),
    /** Who may sign in: email addresses or user principal names (compared without case). */
    allowedUsers: z.array(allowedUser).default([]),
    /** …or members of this Entra group (object id; the app must emit the `groups` claim). */
    allowedGroupId: z.guid({ message: 'must be the group object id, a GUID' }).optional(),
    /** How long a dashboard sign-in lasts before the person signs in again. */
    sessionHours: z.number().positive().max(720).default(8),
  })
  .strict()
  .refine((signIn) => signIn.allowedUsers.length > 0 || signIn.allowedGroupId !== undefined, {
    message: 'nobody may sign in: list allowedUsers, or set allowedGroupId',
    path: ['allowedUsers'],
  });

/** `kind` picks the variant: `off` (the dashboard is open, or guarded by server.adminToken) or `microsoft`. */
export const dashboardSignInConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('off') }).strict(),
  microsoftSignInSchema,
]);

export const dashboardConfigSchema = z
  .object({
    /** "Sign in with Microsoft" (OpenID Connect) for the dashboard and its /api. */
    signIn: dashboardSignInConfigSchema.prefault({ kind: 'off' }),
    /**
     * Where the dashboard's "open in Partner Center" link goes; `{referralId}` is replaced by the referral id.
     * Change it if Microsoft moves the referral page.
     */
    referralUrlTemplate: z
      .string()
      .includes('{referralId}', { message: 'include {referralId} where the referral id goes' })
      .default(DEFAULT_REFERRAL_URL_TEMPLATE),
  })
  .strict();

const LOOPBACK_HOST = /^(localhost|::1|127\.\d+\.\d+\.\d+)$/;

/** True for a URL a token may travel over: https, or http to this machine (tests, a local relay). */
function safeWebhookUrl(value: string): boolean {
  if (!URL.canParse(value)) return true; // the url check itself reports it
  const { protocol, hostname } = new URL(value);
  const loopback = hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
  return protocol === 'https:' || (protocol === 'http:' && loopback);
}

export const alertsConfigSchema = z
  .object({
    /** How often the alert conditions are checked (once per interval across all processes). */
    evaluateIntervalSeconds: positiveSeconds.default(60),
    /** Webhook silence alert: no Partner Center delivery for this long while reconcile finds changed referrals. */
    webhookSilenceMinutes: z.number().positive().default(60),
    /** Share of Salesforce's daily API requests that opens the budget alert (default: sync.salesforceApiBudgetRatio). */
    salesforceApiBudgetRatio: z.number().gt(0).max(1).optional(),
    /** Link to the dashboard put in messages (default: server.publicUrl). */
    dashboardUrl: url.optional(),
    /** Incoming webhooks to notify. Their URLs carry a token: write them as ${ENV_NAME}, never inline. */
    notify: z
      .array(
        z
          .object({
            /** Names the destination in logs and the dashboard (default: the format, numbered when repeated). */
            name: z
              .string()
              .regex(/^[A-Za-z0-9_-]{1,40}$/, 'use letters, digits, - and _ (at most 40)')
              .optional(),
            format: z.enum(ALERT_FORMATS),
            url: url.refine(safeWebhookUrl, {
              message:
                'must be an https URL (plain http only to this machine): the URL carries the webhook token',
            }),
          })
          .strict(),
      )
      .default([])
      .refine(
        (destinations) => {
          const names = destinations.flatMap((destination) => (destination?.name ? [destination.name] : []));
          return new Set(names).size === names.length;
        },
        {
          message: 'two destinations have the same name: give each a different name',
          // Also when an entry has other mistakes, so one check reports every problem.
          when: (payload) => Array.isArray(payload.value),
        },
      ),
  })
  .strict();

/** A connection's id: it names the pair in the store, in `--connection` and in the dashboard. */
export const connectionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'use letters, digits, - and _ (at most 64)');

/** The connection id of a config without a `connections` list and without `connectionId`. */
export const DEFAULT_CONNECTION_ID = 'default';

/** One Partner Center tenant ↔ Salesforce org pair of a `connections` list. */
const connectionConfigSchema = z
  .object({
    id: z
      .string({ error: (issue) => (issue.input === undefined ? 'is missing' : 'must be text') })
      .pipe(connectionIdSchema),
    partnerCenter: partnerCenterConfigSchema.prefault({}),
    salesforce: salesforceConfigSchema.prefault({}),
    /** This pair's sync settings, over the top-level `sync` section (which gives every connection its defaults). */
    sync: syncConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((connection, context) => partnerCenterIdentityRule(connection.partnerCenter, [], context), {
    when: (payload) => payload.issues.every((issue) => String(issue.path?.[0]) !== 'partnerCenter'),
  });

export type ConnectionConfig = z.output<typeof connectionConfigSchema>;

const connectionListSchema = z
  .array(connectionConfigSchema)
  .min(1, { message: 'lists no connection: list at least one, or remove `connections`' })
  .superRefine((connections, context) => {
    const seen = new Set<string>();
    for (const [index, connection] of connections.entries()) {
      if (seen.has(connection.id))
        context.addIssue({
          code: 'custom',
          path: [index, 'id'],
          message: `connection id ${connection.id} is used twice`,
          params: {
            hint: 'give every connection its own id (it names the pair in the store: never reuse one)',
          },
        });
      seen.add(connection.id);
    }
  });

const configObjectSchema = z
  .object({
    /** Identifies this Partner Center tenant ↔ Salesforce org pair in the store. */
    connectionId: connectionIdSchema.default(DEFAULT_CONNECTION_ID),
    /**
     * Several Partner Center tenant ↔ Salesforce org pairs in one deployment, each with its id, partnerCenter,
     * salesforce and sync sections. Without it the config is one connection named by `connectionId`.
     */
    connections: connectionListSchema.optional(),
    store: storeConfigSchema.prefault({}),
    queue: queueConfigSchema.prefault({}),
    server: serverConfigSchema.prefault({}),
    // Required when there is no connections list (normalizeConnections fills them in); with one, not allowed.
    partnerCenter: partnerCenterConfigSchema.optional(),
    salesforce: salesforceConfigSchema.optional(),
    sync: syncConfigSchema.prefault({}),
    dashboard: dashboardConfigSchema.prefault({}),
    alerts: alertsConfigSchema.prefault({}),
    log: z
      .object({ level: z.enum(LOG_LEVELS).default('info') })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine(crossFieldRules, {
    // Rules between fields run even when other sections have problems, but never on a section that is
    // itself invalid: one mistake gives one problem.
    when: (payload) =>
      payload.issues.every((issue) => !RULE_INPUTS.includes(String(issue.path?.[0]) as RuleInput)),
  });

const RULE_INPUTS = ['server', 'queue', 'store', 'partnerCenter', 'dashboard'] as const;
type RuleInput = (typeof RULE_INPUTS)[number];

function crossFieldRules(
  config: Pick<z.output<typeof configObjectSchema>, RuleInput | 'connections'>,
  context: z.RefinementCtx,
): void {
  const problem = (path: string[], message: string, hint: string) =>
    context.addIssue({ code: 'custom', path, message, params: { hint } });
  const { host, adminToken, publicUrl } = config.server;
  const signIn = config.dashboard.signIn;
  if (!LOOPBACK_HOST.test(host) && adminToken === undefined && signIn.kind === 'off')
    problem(
      ['server', 'adminToken'],
      `server.host ${host} makes the admin API (/api: retry, redrive) reachable from other machines, so it needs server.adminToken`,
      'set server.adminToken: ${COSELL_SERVER_ADMIN_TOKEN} with a long random value (`openssl rand -hex 24`), turn on dashboard.signIn, or listen on 127.0.0.1 behind a proxy',
    );
  if (
    signIn.kind === 'microsoft' &&
    signIn.redirectUrl === undefined &&
    publicUrl === undefined &&
    !LOOPBACK_HOST.test(host)
  )
    problem(
      ['dashboard', 'signIn', 'redirectUrl'],
      'is missing (dashboard sign-in on a server reachable from other machines needs it)',
      `set it to the redirect URI registered on the app, e.g. https://cosell.example.com${SIGN_IN_CALLBACK_PATH}, or set server.publicUrl`,
    );
  if (config.queue.kind === 'pg-boss' && config.store.kind !== 'postgres')
    problem(
      ['queue', 'kind'],
      'queue.kind pg-boss needs store.kind postgres',
      'use queue.kind: embedded with SQLite (or leave queue.kind out), or move the store to Postgres',
    );
  if (config.queue.kind === 'embedded' && config.store.kind === 'postgres')
    problem(
      ['queue', 'kind'],
      'queue.kind embedded needs store.kind sqlite',
      'use queue.kind: pg-boss with Postgres (or leave queue.kind out)',
    );
  // With a connections list, each connection checks its own partnerCenter section.
  if (config.connections === undefined) partnerCenterIdentityRule(config.partnerCenter ?? {}, [], context);
}

/** A Partner Center section names the tenant and the sign-in app (`prefix`: where the section sits). */
function partnerCenterIdentityRule(
  partnerCenter: { tenantId?: string | undefined; clientId?: string | undefined },
  prefix: (string | number)[],
  context: z.RefinementCtx,
): void {
  const required = {
    tenantId:
      'set it to your Partner Center (Entra ID) tenant id, a GUID (Partner Center > Account settings > Organization profile > Identifiers)',
    clientId:
      'set it to the Entra ID app registration (client) id used to sign in the Referrals admin; see docs/setup-partner-center.md',
  } as const;
  for (const [key, hint] of Object.entries(required))
    if (partnerCenter[key as keyof typeof required] === undefined)
      context.addIssue({
        code: 'custom',
        path: [...prefix, 'partnerCenter', key],
        message: 'is missing',
        params: { hint },
      });
}

/**
 * The whole configuration. Parsing it validates everything at once (types, variants, rules between
 * fields) and resolves the one derived default (the queue kind follows the store), so code that
 * receives a CosellConfig needs no second check.
 */
export const configSchema = z.preprocess(
  normalizeConnections,
  configObjectSchema.transform(({ connections, ...config }) => {
    const listed: ConnectionConfig[] = connections ?? [
      {
        id: config.connectionId,
        // normalizeConnections gave a config without a list both sections.
        partnerCenter: config.partnerCenter as ConnectionConfig['partnerCenter'],
        salesforce: config.salesforce as ConnectionConfig['salesforce'],
        sync: config.sync,
      },
    ];
    // The top-level connection settings are the first connection's: code that serves one connection reads them
    // (connectionConfig() gives the config of any other).
    const [first] = listed as [ConnectionConfig, ...ConnectionConfig[]];
    return {
      ...config,
      connectionId: first.id,
      partnerCenter: first.partnerCenter,
      salesforce: first.salesforce,
      sync: first.sync,
      connections: listed,
      queue: { ...config.queue, kind: config.queue.kind ?? queueKindFor(config.store.kind) },
    };
  }),
);

/**
 * Without a connections list, the config is one connection: its partnerCenter and salesforce sections are
 * checked even when absent (so each missing setting is named). With a list, the top-level `sync` section gives
 * every listed connection its defaults (a connection's own values win).
 */
function normalizeConnections(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  if (raw['connections'] === undefined)
    return { ...raw, partnerCenter: raw['partnerCenter'] ?? {}, salesforce: raw['salesforce'] ?? {} };
  if (!Array.isArray(raw['connections'])) return raw;
  const shared = raw['sync'];
  // A top-level sync section with mistakes is reported there, once, not again under every connection.
  if (!isRecord(shared) || !syncConfigSchema.safeParse(shared).success) return raw;
  // A loaded config written back carries the first connection's sync at the top level: not defaults for others.
  const [first] = raw['connections'] as unknown[];
  if (isRecord(first) && isDeepStrictEqual(first['sync'], shared)) return raw;
  return {
    ...raw,
    connections: raw['connections'].map((connection: unknown) =>
      isRecord(connection) && (connection['sync'] === undefined || isRecord(connection['sync']))
        ? { ...connection, sync: { ...shared, ...(connection['sync'] as object | undefined) } }
        : connection,
    ),
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The queue that goes with a store when queue.kind is not set. */
export function queueKindFor(storeKind: 'sqlite' | 'postgres'): 'embedded' | 'pg-boss' {
  return storeKind === 'postgres' ? 'pg-boss' : 'embedded';
}

export type CosellConfig = z.output<typeof configSchema>;
export type CosellConfigInput = z.input<typeof configObjectSchema>;
