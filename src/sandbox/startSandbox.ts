/**
 * `cosell sandbox` (and `npm start`): both emulators, the connector and its HTTP server in one process,
 * embedded store in ./.cosell-sandbox/, demo data seeded, sync live. Nothing leaves this machine.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Connection } from 'jsforce';
import { stringify } from 'yaml';
import { type Emulators, startEmulators } from '../../emulators/startEmulators.ts';
import { type Connector, openConnector } from '../app.ts';
import { type CosellConfig, configSchema } from '../config/configSchema.ts';
import { configForFile } from '../config/connectionConfig.ts';
import { WEBHOOK_PATH } from '../http/routes/postPartnerCenterWebhook.ts';
import { REFERRALS_SCOPE } from '../partner-center/partnerCenterAuth.ts';
import { installSalesforcePackage } from '../salesforce/packageInstaller.ts';
import { SALESFORCE_API_VERSION } from '../salesforce/salesforceConnection.ts';
import { deepMerge } from '../shared/deepMerge.ts';
import type { Logger } from '../shared/logger.ts';
import { SECRET_KEY_ENV } from '../store/secretBox.ts';
import type { DealSyncResult } from '../sync/dealSyncContext.ts';
import { emulatorConfig } from './emulatorConfig.ts';
import { emulatorControl } from './emulatorControl.ts';
import { type SeedSummary, seedDemoData } from './seedDemoData.ts';

export interface SandboxOptions {
  dir: string;
  port: number;
  pcPort: number;
  sfPort: number;
  identityPort: number;
  seed: boolean;
  fresh: boolean;
  host: string;
  pollIntervalSeconds: number;
  /**
   * Deep-merged over the sandbox config (tests: mapping file, store on Postgres, intervals); a function gets the
   * running emulators (e.g. for their tenant and app ids).
   */
  configOverrides?: Record<string, unknown> | ((emulators: Emulators) => Record<string, unknown>);
  /** Salesforce emulator org settings (default: multi-currency USD/EUR/GBP/CAD, Team Selling and Notes on). */
  orgSettings?: Record<string, unknown>;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  onDealSynced?: (result: DealSyncResult) => void;
  /** Progress lines for the person at the terminal. */
  say: (line: string) => void;
}

export interface Sandbox {
  emulators: Emulators;
  connector: Connector;
  config: CosellConfig;
  seeded: SeedSummary | null;
  urls: { connector: string; partnerCenter: string; salesforce: string; identity: string };
  /** The sandbox's config file and encryption key, for running other commands against it. */
  configFile: string;
  secretKeyFile: string;
  close(): Promise<void>;
}

/** The sandbox's encryption key: generated once, kept beside its database (sandbox only, never production). */
function sandboxSecretKey(dir: string): string {
  const file = join(dir, 'secret.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dir = resolve(options.dir);
  if (options.fresh) rmSync(dir, { recursive: true, force: true });
  const firstRun = !existsSync(join(dir, 'cosell.db'));
  mkdirSync(dir, { recursive: true });
  const env = { ...options.env, [SECRET_KEY_ENV]: options.env[SECRET_KEY_ENV] || sandboxSecretKey(dir) };

  options.say('Starting the Partner Center and Salesforce emulators…');
  const emulators = await startEmulators({
    host: options.host,
    pcPort: options.pcPort,
    sfPort: options.sfPort,
    identityPort: options.identityPort,
    stateFile: join(dir, 'emulators.json'),
    autoApproveDeviceCodes: true,
    logger: options.logger.child({ component: 'emulators' }),
  });
  try {
    const { partnerCenter: pc, salesforce: sf } = emulators;
    const given = options.configOverrides ?? {};
    const overrides = typeof given === 'function' ? given(emulators) : given;
    const merged = deepMerge(
      await emulatorConfig(emulators, dir, {
        connectionId: 'sandbox',
        host: options.host,
        port: options.port,
        storePath: join(dir, 'cosell.db'),
        pollIntervalSeconds: options.pollIntervalSeconds,
        reconcileIntervalSeconds: 60,
      }),
      overrides,
    ) as Record<string, unknown>;
    // The store is one kind or the other: an override replaces it whole rather than merging into SQLite's.
    const config = configSchema.parse(
      'store' in overrides ? { ...merged, store: (overrides as { store: unknown }).store } : merged,
    );

    // A typical co-sell partner org: several currencies, Opportunity Teams and Notes on.
    await emulatorControl(
      sf.url,
      'POST',
      '/__emulator/org-settings',
      options.orgSettings ?? {
        multiCurrency: true,
        currencies: ['USD', 'EUR', 'GBP', 'CAD'],
        defaultCurrency: 'USD',
        teamSelling: true,
        notesEnabled: true,
      },
    );
    // The same config as a file, so the other commands (status, audit, sync --dry-run, doctor) work on the sandbox.
    writeFileSync(
      join(dir, 'cosell.yaml'),
      `# Written by \`cosell sandbox\` for this sandbox only (emulator credentials, loopback URLs).\n${stringify(configForFile(config))}`,
    );
    options.say('Installing the Partner Center fields into the Salesforce emulator…');
    const admin = new Connection({
      oauth2: {
        loginUrl: sf.url,
        clientId: sf.connectedApp.clientId,
        clientSecret: sf.connectedApp.clientSecret,
      },
      version: SALESFORCE_API_VERSION,
    });
    await admin.login(sf.users.admin.username, sf.users.admin.password);
    const installed = await installSalesforcePackage({
      conn: admin,
      integrationUsername: sf.users.integration.username,
      pollIntervalMs: 100,
    });
    if (!installed.ok) throw new Error(installed.error.message);

    const connector = await openConnector({
      config,
      logger: options.logger,
      env,
      ...(options.onDealSynced ? { onDealSynced: options.onDealSynced } : {}),
    });
    try {
      await signInToEmulator(connector, options.say);
      await connector.start({ http: true, worker: false });
      const connectorUrl = connector.url ?? `http://${options.host}:${options.port}`;
      await connector.webhooks.register(`${connectorUrl}${WEBHOOK_PATH}`, undefined, { overwrite: true });
      let seeded: SeedSummary | null = null;
      if (options.seed && firstRun) {
        options.say('Seeding demo data (Microsoft referrals and Salesforce opportunities)…');
        seeded = await seedDemoData({
          partnerCenterUrl: pc.url,
          salesforceUrl: sf.url,
          mapping: connector.mapping,
          now: new Date(),
        });
      }
      await connector.start({ http: false, worker: true });
      return {
        emulators,
        connector,
        config,
        seeded,
        urls: {
          connector: connectorUrl,
          partnerCenter: pc.url,
          salesforce: sf.url,
          identity: pc.identityUrl,
        },
        configFile: join(dir, 'cosell.yaml'),
        secretKeyFile: join(dir, 'secret.key'),
        async close() {
          await connector.close();
          await emulators.close();
        },
      };
    } catch (error) {
      await connector.close();
      throw error;
    }
  } catch (error) {
    await emulators.close();
    throw error;
  }
}

/**
 * The emulator makes new signing keys on every start, so a sign-in kept from an earlier run cannot refresh:
 * check it, and sign in again (device code, approved automatically) when it is missing or stale.
 */
async function signInToEmulator(connector: Connector, say: (line: string) => void): Promise<void> {
  const auth = connector.partnerCenterAuth;
  if (await auth.signedInUser()) {
    try {
      await auth.getAccessToken(REFERRALS_SCOPE, { forceRefresh: true });
      return;
    } catch {
      await auth.signOut();
    }
  }
  say('Signing in to the Partner Center emulator (device code, approved automatically)…');
  await auth.signInWithDeviceCode({ onPrompt: () => undefined, timeoutSeconds: 60 });
  await connector.store.connections.setState(connector.config.connectionId, 'active', null);
}
