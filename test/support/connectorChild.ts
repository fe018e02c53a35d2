/**
 * The connector in a child process, for crash tests (test/e2e/crashRestart.e2e.test.ts).
 * Usage: node --import tsx test/support/connectorChild.ts <config.json>   (env COSELL_SECRET_KEY set)
 *
 * The config is a whole CosellConfig (emulator URLs, SQLite store path, trusted test CA) written by the parent.
 * The child opens the connector on it, signs in to Partner Center if the store holds no sign-in (the emulator
 * approves device codes by itself), serves HTTP, points the webhook registration at itself, starts the worker
 * and prints one JSON line per event on stdout: {"ready": url}, then {"synced": {...}} per deal sync.
 * SIGTERM closes the connector and exits 0; the parent may instead SIGKILL it at any moment.
 */
import { readFileSync } from 'node:fs';
import { openConnector } from '../../src/app.ts';
import { configSchema } from '../../src/config/configSchema.ts';
import { WEBHOOK_PATH } from '../../src/http/routes/postPartnerCenterWebhook.ts';
import { createLogger } from '../../src/shared/logger.ts';

const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

async function main(): Promise<void> {
  const configFile = process.argv[2];
  if (!configFile) throw new Error('usage: connectorChild.ts <config.json>');
  const config = configSchema.parse(JSON.parse(readFileSync(configFile, 'utf8')));
  const logger = createLogger({
    level: process.env['COSELL_TEST_LOG'] ? 'debug' : 'warn',
    pretty: false,
    destination: process.stderr,
  });
  const connector = await openConnector({
    config,
    logger,
    env: process.env,
    onDealSynced: (result) =>
      say({
        synced: {
          action: result.action,
          trigger: result.trigger,
          referralId: result.referralId,
          opportunityId: result.opportunityId,
          message: result.message,
        },
      }),
  });
  process.once('SIGTERM', () => {
    void connector.close().then(() => process.exit(0));
  });
  if (!(await connector.partnerCenterAuth.signedInUser())) {
    await connector.partnerCenterAuth.signInWithDeviceCode({ onPrompt: () => undefined, timeoutSeconds: 60 });
  }
  await connector.start({ http: true, worker: false });
  const url = connector.url ?? '';
  await connector.webhooks.register(`${url}${WEBHOOK_PATH}`, undefined, { overwrite: true });
  await connector.start({ http: false, worker: true });
  say({ ready: url });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
