/**
 * The one configuration schema. `cosell.yaml` (or `--config FILE`) is parsed against it, then
 * `COSELL_*` environment variables override single values (see envOverrides.ts). Secrets are written
 * in the file as `${ENV_NAME}` references and resolved at load time; tokens obtained by
 * `cosell connect …` are stored encrypted in the store, never in this file.
 */
import { z } from 'zod';
import { ALERT_FORMATS } from '../alerts/alertPayload.ts';
import { LOG_LEVELS } from '../shared/logger.ts';

const url = z.url({ message: 'must be an absolute URL such as https://example.com' });
const positiveSeconds = z.number().int().positive();

export const storeConfigSchema = z
  .object({
    kind: z.enum(['sqlite', 'postgres']).default('sqlite'),
    /** SQLite database file (kind sqlite). */
    path: z.string().min(1).default('./.cosell/cosell.db'),
    /** Postgres connection URL (kind postgres), e.g. postgres://user:pass@host:5432/db. */
    url: z.string().min(1).optional(),
    /** Postgres schema for all tables (kind postgres). */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, 'use lower-case letters, digits and _')
      .optional(),
  })
  .strict();

export const queueConfigSchema = z
  .object({
    /** embedded = tables in the SQLite store; pg-boss = Postgres. Defaults to match the store. */
    kind: z.enum(['embedded', 'pg-boss']).optional(),
    concurrency: z.number().int().min(1).max(64).default(4),
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

export const partnerCenterConfigSchema = z
  .object({
    /** Referrals API base. */
    referralsUrl: url.default('https://api.partner.microsoft.com'),
    /** Classic API base that hosts the Webhooks API. */
    webhooksUrl: url.default('https://api.partnercenter.microsoft.com'),
    /** Entra ID authority host. */
    authorityUrl: url.default('https://login.microsoftonline.com'),
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
     * Who calls the Webhooks API: the Referrals admin's sign-in (`sameUser`), or a second, separate sign-in
     * (`separateUser`, made with `cosell connect partner-center --webhooks`) by a user holding a role the
     * Webhooks API accepts (Billing admin, Admin agent, Sales agent, Helpdesk agent).
     */
    webhooksSignIn: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('sameUser') }).strict(),
        z.object({ kind: z.literal('separateUser') }).strict(),
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

export const salesforceConfigSchema = z
  .object({
    /** https://login.salesforce.com, https://test.salesforce.com or your My Domain URL. */
    loginUrl: url.default('https://login.salesforce.com'),
    auth: z
      .object({
        flow: z.enum(['jwt', 'refreshToken', 'clientCredentials', 'password']).default('jwt'),
        clientId: z.string().min(1).optional(),
        clientSecret: z.string().min(1).optional(),
        /** Integration user (jwt, password). */
        username: z.string().min(1).optional(),
        /** Password (password flow: development only). */
        password: z.string().min(1).optional(),
        /** PEM private key for the JWT bearer flow, inline or as a file. */
        privateKey: z.string().min(1).optional(),
        privateKeyFile: z.string().min(1).optional(),
      })
      .strict()
      .default({ flow: 'jwt' }),
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
  })
  .strict();

const DEFAULT_REFERRAL_URL_TEMPLATE =
  'https://partner.microsoft.com/dashboard/referrals/v2/opportunities/{referralId}';

export const dashboardConfigSchema = z
  .object({
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

export const configSchema = z
  .object({
    /** Identifies this Partner Center tenant ↔ Salesforce org pair in the store. */
    connectionId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'use letters, digits, - and _ (at most 64)')
      .default('default'),
    store: storeConfigSchema.default({ kind: 'sqlite', path: './.cosell/cosell.db' }),
    queue: queueConfigSchema.default({
      concurrency: 4,
      maxAttempts: 8,
      leaseSeconds: 30,
      batchSize: 200,
      gatherMs: 25,
    }),
    server: serverConfigSchema.default({ host: '127.0.0.1', port: 3000 }),
    // prefault: the empty section is parsed, so each default above is written once.
    partnerCenter: partnerCenterConfigSchema.prefault({}),
    salesforce: salesforceConfigSchema.default({
      loginUrl: 'https://login.salesforce.com',
      auth: { flow: 'jwt' },
    }),
    sync: syncConfigSchema.default({
      pollIntervalSeconds: 30,
      reconcileIntervalSeconds: 900,
      salesforceApiBudgetRatio: 0.8,
    }),
    dashboard: dashboardConfigSchema.default({
      referralUrlTemplate: DEFAULT_REFERRAL_URL_TEMPLATE,
    }),
    alerts: alertsConfigSchema.default({
      evaluateIntervalSeconds: 60,
      webhookSilenceMinutes: 60,
      notify: [],
    }),
    log: z
      .object({ level: z.enum(LOG_LEVELS).default('info') })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

export type CosellConfig = z.output<typeof configSchema>;
export type CosellConfigInput = z.input<typeof configSchema>;
