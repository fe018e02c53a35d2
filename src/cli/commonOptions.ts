import { type Command, Option } from 'commander';
import { LOG_LEVELS, type LogLevel } from '../shared/logger.ts';

export interface CommonOptions {
  config?: string;
  logLevel?: LogLevel;
  json?: boolean;
}

/** Adds the options every command takes: --config, --log-level and (where it prints data) --json. */
export function withCommonOptions(command: Command, { json = true }: { json?: boolean } = {}): Command {
  command
    .option('-c, --config <file>', 'config file (default: ./cosell.yaml, or $COSELL_CONFIG)')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS));
  if (json) command.option('--json', 'print machine-readable JSON');
  return command;
}

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
