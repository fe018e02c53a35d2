/**
 * Two Partner Center tenant ↔ Salesforce org pairs for one connector: two test sandboxes (each its own pair of
 * emulators, package installed, Partner Center signed in) set up one after the other on ONE store, each under its
 * own connection id, their own connectors then closed. The config lists both connections on that store.
 */
import { type CosellConfig, configSchema } from '../../src/config/configSchema.ts';
import { configForFile } from '../../src/config/connectionConfig.ts';
import { connectionPathPrefix } from '../../src/http/connectionPathPrefix.ts';
import { WEBHOOK_PATH } from '../../src/http/routes/postPartnerCenterWebhook.ts';
import { startTestSandbox, type TestSandbox } from './sandboxHarness.ts';

export interface SandboxPair {
  /** One sandbox per connection id, in order; their connectors are closed, their emulators run. */
  sandboxes: TestSandbox[];
  /** Both connections on the shared store (the first sandbox's server and queue settings). */
  config: CosellConfig;
}

/**
 * @param store the shared store (given the first sandbox's folder once there is one; null: the first one's own)
 * @param webhookPort when set, each tenant's webhook is registered to this port at its connection's path (for
 *   child processes that will listen there)
 */
export async function startSandboxPair(
  ids: readonly string[],
  store: (firstDir: string | null) => Record<string, unknown> | null,
  { webhookPort }: { webhookPort?: number } = {},
): Promise<SandboxPair> {
  const sandboxes: TestSandbox[] = [];
  try {
    for (const id of ids) {
      const shared = store(sandboxes[0]?.dir ?? null);
      const sandbox = await startTestSandbox({
        configOverrides: { connectionId: id, ...(shared ? { store: shared } : {}) },
      });
      sandboxes.push(sandbox);
      if (webhookPort !== undefined) {
        const path = sandboxes.length === 1 ? WEBHOOK_PATH : `${connectionPathPrefix(id)}${WEBHOOK_PATH}`;
        await sandbox.connector.webhooks.register(`http://127.0.0.1:${webhookPort}${path}`, undefined, {
          overwrite: true,
        });
      }
      // Closed before the next one opens the store: a sandbox's worker serves one connection, claiming any job.
      await sandbox.connector.close();
    }
  } catch (error) {
    for (const sandbox of sandboxes) await sandbox.emulators.close();
    throw error;
  }
  const [first] = sandboxes as [TestSandbox, ...TestSandbox[]];
  const {
    connectionId: _first,
    partnerCenter: _pc,
    salesforce: _sf,
    sync: _sync,
    ...shared
  } = configForFile(first.config);
  const config = configSchema.parse({
    ...shared,
    connections: sandboxes.map((sandbox) => ({
      id: sandbox.config.connectionId,
      partnerCenter: sandbox.config.partnerCenter,
      salesforce: sandbox.config.salesforce,
      sync: sandbox.config.sync,
    })),
  });
  return { sandboxes, config };
}
