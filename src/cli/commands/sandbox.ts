import type { Command } from 'commander';
import { createLogger, type LogLevel } from '../../shared/logger.ts';
import type { DealSyncResult } from '../../sync/dealSyncContext.ts';
import type { CliIo } from '../cliIo.ts';
import { parseIntegerOption } from '../commonOptions.ts';

interface SandboxCommandOptions {
  port: number;
  pcPort: number;
  sfPort: number;
  identityPort: number;
  seed: boolean;
  fresh?: boolean;
  dir: string;
  host: string;
  logLevel: LogLevel;
}

const ICON: Record<DealSyncResult['action'], string> = {
  create_opportunity: '＋',
  create_referral: '＋',
  create_lead: '＋',
  update: '✔',
  noop: '·',
  pause: '⏸',
  skip: '–',
  invalid: '✖',
};

/** One readable line per deal sync for the live activity log. */
export function activityLine(result: DealSyncResult, at: Date): string {
  const time = at.toISOString().slice(11, 19);
  const ids = [
    result.opportunityId && `opp ${result.opportunityId}`,
    result.referralId && `ref ${result.referralId.slice(0, 8)}…`,
  ]
    .filter(Boolean)
    .join(' · ');
  return `${time} ${ICON[result.action]} ${result.message}${ids ? `  (${ids})` : ''}`;
}

export function registerSandboxCommand(program: Command, io: CliIo): void {
  program
    .command('sandbox')
    .description(
      'run both emulators, the connector and its API in one process with demo data (what `npm start` runs)',
    )
    .option(
      '--port <port>',
      'connector HTTP port (API, webhooks, health)',
      parseIntegerOption('--port', 65535),
      3000,
    )
    .option('--pc-port <port>', 'Partner Center emulator port', parseIntegerOption('--pc-port', 65535), 4010)
    .option('--sf-port <port>', 'Salesforce emulator port', parseIntegerOption('--sf-port', 65535), 4020)
    .option(
      '--identity-port <port>',
      'Entra ID emulator (HTTPS) port',
      parseIntegerOption('--identity-port', 65535),
      4011,
    )
    .option('--no-seed', 'do not create demo data on first start')
    .option('--fresh', 'wipe the sandbox state (database and emulator data) before starting')
    .option('--dir <dir>', 'where the sandbox keeps its state', '.cosell-sandbox')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--log-level <level>', 'log level for technical logs (stderr)', 'warn')
    .action(async (options: SandboxCommandOptions) => {
      const logger = createLogger({ level: options.logLevel, pretty: false, destination: process.stderr });
      // Loaded on use: the emulators are not part of the other commands' start-up.
      const { startSandbox } = await import('../../sandbox/startSandbox.ts');
      const sandbox = await startSandbox({
        dir: options.dir,
        port: options.port,
        pcPort: options.pcPort,
        sfPort: options.sfPort,
        identityPort: options.identityPort,
        seed: options.seed,
        fresh: options.fresh === true,
        host: options.host,
        pollIntervalSeconds: 2,
        logger,
        env: io.env,
        say: (line) => io.out(line),
        onDealSynced: (result) => {
          if (result.action !== 'noop') io.out(activityLine(result, new Date()));
        },
      });
      io.out('');
      io.out('cosell sandbox is running:');
      io.out(`  dashboard            ${sandbox.urls.connector}/`);
      io.out(
        `  connector API        ${sandbox.urls.connector}  (status: ${sandbox.urls.connector}/api/status)`,
      );
      io.out(`  Partner Center emu   ${sandbox.urls.partnerCenter}  (control API: /__emulator/…)`);
      io.out(`  Salesforce emu       ${sandbox.urls.salesforce}  (token: POST /__emulator/token)`);
      io.out(`  Entra ID emu         ${sandbox.urls.identity}`);
      if (sandbox.seeded) {
        io.out(
          `  demo data            ${sandbox.seeded.referrals.length} Microsoft referrals, ${sandbox.seeded.opportunities.length} opportunities`,
        );
      }
      io.out(`  other commands       cosell status --config ${sandbox.configFile}`);
      io.out(
        `                       (sync/doctor also need: export COSELL_SECRET_KEY=$(cat ${sandbox.secretKeyFile}))`,
      );
      io.out('Live activity (Ctrl+C to stop):');
      const signal = await io.waitForStop();
      io.out(`\nStopping (${signal})…`);
      await sandbox.close();
      io.out('Stopped.');
    });
}
