/**
 * A started test sandbox hands its connector over to `cosell` child processes (chaos runs, distributed mode): the
 * sandbox has installed the package and stored the sign-ins; the webhook is registered once at a free port that
 * every child process listens on; the in-process connector closes; a config for the children is written beside the
 * sandbox's, with a deal trace file (COSELL_DEAL_TRACE) they all append to. writeChildSetup does the last part for
 * any config (test/support/sandboxPair.ts: two connections).
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CosellConfig } from '../../src/config/configSchema.ts';
import { configForFile } from '../../src/config/connectionConfig.ts';
import { WEBHOOK_PATH } from '../../src/http/routes/postPartnerCenterWebhook.ts';
import { DEAL_TRACE_ENV } from '../../src/sync/dealTrace.ts';
import { freePort, TEST_SECRET_KEY } from './childProcess.ts';
import type { TestSandbox } from './sandboxHarness.ts';
import { withConnectionSettings } from './withConnectionSettings.ts';

export interface ChildProcessSetup {
  /** The children's config (also written to `configFile`). */
  config: CosellConfig;
  port: number;
  configFile: string;
  traceFile: string;
  /** What each child needs in its environment: the secret key and the trace file. */
  env: Record<string, string>;
}

/** What a run changes in the handed-over config: queue settings, every connection's sync settings, the log. */
export interface ChildConfigChanges {
  queue: Partial<CosellConfig['queue']>;
  sync: Partial<CosellConfig['sync']>;
  log: CosellConfig['log'];
  /** Postgres only: the store's pool per process. */
  storeMaxConnections?: number;
}

export async function handOverToChildProcesses(
  sandbox: TestSandbox,
  name: string,
  changes: ChildConfigChanges,
): Promise<ChildProcessSetup> {
  const port = await freePort();
  await sandbox.connector.webhooks.register(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, undefined, {
    overwrite: true,
  });
  await sandbox.connector.close();
  return writeChildSetup(sandbox.dir, sandbox.config, port, name, changes);
}

/**
 * The children's config (every connection of `base`, on `port`, with the changes) written to `<dir>/<name>-config`,
 * and the environment they need; the webhooks must already point at `port`.
 */
export function writeChildSetup(
  dir: string,
  base: CosellConfig,
  port: number,
  name: string,
  changes: ChildConfigChanges,
): ChildProcessSetup {
  const config: CosellConfig = {
    ...withConnectionSettings(base, { sync: changes.sync }),
    server: { ...base.server, port },
    store:
      base.store.kind === 'postgres' && changes.storeMaxConnections !== undefined
        ? { ...base.store, maxConnections: changes.storeMaxConnections }
        : base.store,
    queue: { ...base.queue, ...changes.queue },
    log: changes.log,
  };
  const configFile = join(dir, `${name}-config.yaml`);
  writeFileSync(configFile, JSON.stringify(configForFile(config), null, 2));
  const traceFile = join(dir, 'deal-trace.jsonl');
  return {
    config,
    port,
    configFile,
    traceFile,
    env: { COSELL_SECRET_KEY: TEST_SECRET_KEY, [DEAL_TRACE_ENV]: traceFile },
  };
}
