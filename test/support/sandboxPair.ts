/**
 * Two Partner Center tenant ↔ Salesforce org pairs for one connector: two test sandboxes (each its own pair of
 * emulators, package installed, Partner Center signed in) set up one after the other on ONE store, each under its
 * own connection id, their own connectors then closed. The config lists both connections on that store.
 */
import { type CosellConfig, configSchema } from '../../src/config/configSchema.ts';
import { configForFile } from '../../src/config/connectionConfig.ts';
import { startTestSandbox, type TestSandbox } from './sandboxHarness.ts';

export interface SandboxPair {
  /** One sandbox per connection id, in order; their connectors are closed, their emulators run. */
  sandboxes: TestSandbox[];
  /** Both connections on the shared store (the first sandbox's server and queue settings). */
  config: CosellConfig;
}

export async function startSandboxPair(
  ids: readonly string[],
  store: (firstDir: string | null) => Record<string, unknown> | null,
): Promise<SandboxPair> {
  const sandboxes: TestSandbox[] = [];
  try {
    for (const id of ids) {
      const shared = store(sandboxes[0]?.dir ?? null);
      const sandbox = await startTestSandbox({
        configOverrides: { connectionId: id, ...(shared ? { store: shared } : {}) },
      });
      sandboxes.push(sandbox);
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
