/** The `cosell` command. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/configProblem.ts';
import { toError } from '../shared/upstreamError.ts';
import { type CliIo, processIo } from './cliIo.ts';
import { registerConfigCommands } from './commands/configCheck.ts';
import { registerConnectCommands } from './commands/connect.ts';
import { registerDoctorCommand } from './commands/doctor.ts';
import { registerEmulateCommand } from './commands/emulate.ts';
import { registerInitCommands } from './commands/init.ts';
import { registerMappingCommands } from './commands/mappingTest.ts';
import { registerSalesforceCommands } from './commands/salesforceInstall.ts';
import { registerSandboxCommand } from './commands/sandbox.ts';
import { registerSecretsCommands } from './commands/secrets.ts';
import { registerServeCommands } from './commands/serve.ts';
import { registerStatusCommands } from './commands/status.ts';
import { registerSyncCommand } from './commands/sync.ts';
import { registerWebhookCommands } from './commands/webhooks.ts';
import { CliError, EXIT } from './exitCodes.ts';

export function buildProgram(io: CliIo): Command {
  const program = new Command('cosell')
    .description(
      'Two-way sync between Microsoft Partner Center co-sell referrals and Salesforce opportunities',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    });
  registerSandboxCommand(program, io);
  registerServeCommands(program, io);
  registerInitCommands(program, io);
  registerMappingCommands(program, io);
  registerConfigCommands(program, io);
  registerConnectCommands(program, io);
  registerDoctorCommand(program, io);
  registerSalesforceCommands(program, io);
  registerWebhookCommands(program, io);
  registerSyncCommand(program, io);
  registerStatusCommands(program, io);
  registerEmulateCommand(program, io);
  registerSecretsCommands(program, io);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** How each command that listens chooses its ports. */
const PORT_ADVICE: Record<string, string> = {
  sandbox: 'choose other ports with --port, --pc-port, --sf-port and --identity-port',
  emulate: 'choose other ports with --pc-port, --sf-port and --identity-port (0 picks free ones)',
  serve: 'set another server.port in the config (or COSELL_SERVER_PORT)',
};

/** The command word of argv (`node cosell <command> …`), past any leading options. */
function commandName(argv: readonly string[]): string {
  return argv.slice(2).find((arg) => !arg.startsWith('-')) ?? '';
}

export async function main(argv: string[], io: CliIo & { exitCode: number } = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return io.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; bad usage with 1 from commander, which we report as 2.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.err(error.message);
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      io.err(`✖ ${error.message}`);
      return error.exitCode;
    }
    const failure = toError(error);
    const { code, address, port } = error as { code?: string; address?: string; port?: number };
    if (code === 'EADDRINUSE') {
      io.err(
        `✖ ${address ?? 'The address'}:${port ?? '?'} is already in use — another cosell (or other program) listens there. Stop it, or ${PORT_ADVICE[commandName(argv)] ?? PORT_ADVICE['serve']}.`,
      );
      return EXIT.failure;
    }
    io.err(`✖ ${failure.message}`);
    if (io.env['COSELL_DEBUG']) io.err(failure.stack ?? '');
    return EXIT.failure;
  }
}
