import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { emulatorConfig } from '../../sandbox/emulatorConfig.ts';
import { createLogger, type LogLevel } from '../../shared/logger.ts';
import type { CliIo } from '../cliIo.ts';
import { parseIntegerOption } from '../commonOptions.ts';

interface EmulateOptions {
  pcPort: number;
  sfPort: number;
  identityPort: number;
  latencyMs?: number;
  state?: string;
  host: string;
  logLevel?: LogLevel;
  writeConfig?: string;
}

export function registerEmulateCommand(program: Command, io: CliIo): void {
  program
    .command('emulate')
    .description(
      'run the Partner Center (+ Entra ID) and Salesforce emulators alone; prints one JSON line with their URLs',
    )
    .option(
      '--pc-port <port>',
      'Partner Center emulator port (0 = any free port)',
      parseIntegerOption('--pc-port', 65535),
      4010,
    )
    .option(
      '--sf-port <port>',
      'Salesforce emulator port (0 = any free port)',
      parseIntegerOption('--sf-port', 65535),
      4020,
    )
    .option(
      '--identity-port <port>',
      'Entra ID (HTTPS) emulator port (0 = any free port)',
      parseIntegerOption('--identity-port', 65535),
      4011,
    )
    .option(
      '--latency-ms <ms>',
      'latency added to every emulated API response',
      parseIntegerOption('--latency-ms', 60_000),
    )
    .option(
      '--state <file>',
      'keep emulator state in <file>.partner-center.json / <file>.salesforce.json across restarts',
    )
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--log-level <level>', 'log level (logs go to stderr)', 'warn')
    .option(
      '--write-config <file>',
      'also write a connector config for these emulators (CA, JWT key and certificate beside it); device codes are approved automatically',
    )
    .action(async (options: EmulateOptions) => {
      const logger = createLogger({
        level: options.logLevel ?? 'warn',
        pretty: false,
        destination: process.stderr,
      });
      // Loaded on use: the emulators (and their SOQL parser) are not part of the other commands' start-up.
      const { startEmulators } = await import('../../../emulators/startEmulators.ts');
      const emulators = await startEmulators({
        host: options.host,
        pcPort: options.pcPort,
        sfPort: options.sfPort,
        identityPort: options.identityPort,
        logger,
        ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
        ...(options.state === undefined ? {} : { stateFile: options.state }),
        ...(options.writeConfig === undefined ? {} : { autoApproveDeviceCodes: true }),
      });
      if (options.writeConfig) {
        const file = resolve(io.cwd, options.writeConfig);
        const dir = dirname(file);
        mkdirSync(dir, { recursive: true });
        const config = await emulatorConfig(emulators, dir, {
          connectionId: 'emulated',
          host: '127.0.0.1',
          port: 3000,
          storePath: join(dir, 'cosell.db'),
          pollIntervalSeconds: 5,
          reconcileIntervalSeconds: 60,
        });
        writeFileSync(
          file,
          `# Written by \`cosell emulate\` for these emulators only (loopback URLs, test credentials).\n# Next: cosell salesforce install, cosell connect partner-center, cosell webhooks register --url http://127.0.0.1:3000/webhooks/partner-center, cosell serve (each with --config ${file}).\n# Partner Center sign-in uses a device code, which the emulator approves at once; remove partnerCenter.signIn to sign in through the browser (the emulator signs the admin in as soon as the page opens).\n${stringify(config)}`,
        );
      }
      io.out(JSON.stringify(emulators.urls));
      await io.waitForStop();
      await emulators.close();
    });
}
