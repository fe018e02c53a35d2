import { type Command, Option } from 'commander';
import { LOG_LEVELS, type LogLevel } from '../shared/logger.ts';

export interface CommonOptions {
  config?: string;
  /** The connection (Partner Center tenant ↔ Salesforce org pair) the command acts on. */
  connection?: string;
  logLevel?: LogLevel;
  json?: boolean;
}

/** Adds the options every command takes: --config, --connection, --log-level and (where it prints data) --json. */
export function withCommonOptions(
  command: Command,
  { json = true, connectionHelp = CONNECTION_HELP }: { json?: boolean; connectionHelp?: string | null } = {},
): Command {
  command.option('-c, --config <file>', 'config file (default: ./cosell.yaml, or $COSELL_CONFIG)');
  // null: the command does not act on connections (it writes the config, or covers the whole store).
  if (connectionHelp !== null) command.option('--connection <id>', connectionHelp);
  command.addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS));
  if (json) command.option('--json', 'print machine-readable JSON');
  return command;
}

const CONNECTION_HELP =
  'the connection (tenant ↔ org pair) to act on; needed when the config lists several under `connections`';

/** Parses a port or other non-negative integer flag. */
export function parseIntegerOption(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > max) {
      throw new Error(`${name} must be a whole number between 0 and ${max}, got "${value}"`);
    }
    return parsed;
  };
}
