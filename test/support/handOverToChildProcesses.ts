/**
 * A started test sandbox hands its connector over to `cosell` child processes (chaos runs, distributed mode): the
 * sandbox has installed the package and stored the sign-ins; the webhook is registered once at a free port that
 * every child process listens on; the in-process connector closes; a config for the children is written beside the
 * sandbox's, with a deal trace file (COSELL_DEAL_TRACE) they all append to.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CosellConfig } from '../../src/config/configSchema.ts';
import { WEBHOOK_PATH } from '../../src/http/routes/postPartnerCenterWebhook.ts';
import { DEAL_TRACE_ENV } from '../../src/sync/dealTrace.ts';
import { freePort, TEST_SECRET_KEY } from './childProcess.ts';
import type { TestSandbox } from './sandboxHarness.ts';

export interface ChildProcessSetup {
  /** The children's config (also written to `configFile`). */
  config: CosellConfig;
  port: number;
  configFile: string;
  traceFile: string;
  /** What each child needs in its environment: the secret key and the trace file. */
  env: Record<string, string>;
}

export async function handOverToChildProcesses(
  sandbox: TestSandbox,
  name: string,
  changes: {
    queue: Partial<CosellConfig['queue']>;
    sync: Partial<CosellConfig['sync']>;
    log: CosellConfig['log'];
  },
): Promise<ChildProcessSetup> {
  const port = await freePort();
  await sandbox.connector.webhooks.register(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, undefined, {
    overwrite: true,
  });
  await sandbox.connector.close();
  const config: CosellConfig = {
    ...sandbox.config,
    server: { ...sandbox.config.server, port },
    queue: { ...sandbox.config.queue, ...changes.queue },
    sync: { ...sandbox.config.sync, ...changes.sync },
    log: changes.log,
  };
  const configFile = join(sandbox.dir, `${name}-config.yaml`);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const traceFile = join(sandbox.dir, 'deal-trace.jsonl');
  return {
    config,
    port,
    configFile,
    traceFile,
    env: { COSELL_SECRET_KEY: TEST_SECRET_KEY, [DEAL_TRACE_ENV]: traceFile },
  };
}
