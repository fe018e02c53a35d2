import type { Command } from 'commander';
import { ConfigError, formatConfigProblems } from '../../config/configProblem.ts';
import { selectConnection } from '../../config/connectionConfig.ts';
import { checkConfig } from '../../config/loadConfig.ts';
import type { CliIo } from '../cliIo.ts';
import { type CommonOptions, withCommonOptions } from '../commonOptions.ts';
import { EXIT } from '../exitCodes.ts';

export function registerConfigCommands(program: Command, io: CliIo): void {
  const config = program.command('config').description('inspect the configuration');
  withCommonOptions(
    config
      .command('check')
      .description(
        'validate the config file and COSELL_* variables; reports every problem at once (exit 2 when any)',
      ),
  ).action((options: CommonOptions) => {
    const check = checkConfig({ file: options.config, env: io.env, cwd: io.cwd });
    // --connection: that connection must be in the config.
    if (check.config && options.connection !== undefined) {
      try {
        selectConnection(check.config, options.connection);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        check.problems.push(...error.problems);
      }
    }
    if (options.json) {
      io.out(
        JSON.stringify({ ok: check.problems.length === 0, file: check.fileName, problems: check.problems }),
      );
    } else if (check.problems.length === 0) {
      io.out(`✔ ${check.fileName ?? 'defaults (no config file)'}: configuration is valid`);
    } else {
      io.err(formatConfigProblems(check.problems, check.fileName));
    }
    io.setExitCode(check.problems.length === 0 ? EXIT.ok : EXIT.usage);
  });
}
