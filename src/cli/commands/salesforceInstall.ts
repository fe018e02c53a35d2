import type { Command } from 'commander';
import { checkPrerequisites, formatPrerequisites } from '../../salesforce/checkPrerequisites.ts';
import { formatInstallProgress, formatInstallResult } from '../../salesforce/formatInstallResult.ts';
import { installSalesforcePackage } from '../../salesforce/packageInstaller.ts';
import { salesforceFieldNamesFrom } from '../../sync/salesforceFieldNamesFrom.ts';
import type { CliIo } from '../cliIo.ts';
import { withConnector } from '../commandContext.ts';
import { type CommonOptions, withCommonOptions } from '../commonOptions.ts';
import { EXIT } from '../exitCodes.ts';

interface InstallOptions extends CommonOptions {
  checkOnly?: boolean;
}

export function registerSalesforceCommands(program: Command, io: CliIo): void {
  const salesforce = program.command('salesforce').description('Salesforce org set-up');
  withCommonOptions(
    salesforce
      .command('install')
      .description(
        'deploy the Partner Center fields, Microsoft Solution object, permission set and layout; safe to re-run',
      )
      .option('--check-only', 'validate the deployment and the prerequisites without changing the org'),
  ).action(async (options: InstallOptions) => {
    const ok = await withConnector(options, io, async (connector, { config }) => {
      const { conn } = connector.salesforce;
      const result = await installSalesforcePackage({
        conn,
        checkOnly: options.checkOnly === true,
        taxonomy: connector.mapping.taxonomy,
        ...('username' in config.salesforce.auth
          ? { integrationUsername: config.salesforce.auth.username }
          : {}),
        onProgress: (progress) => {
          if (!options.json) io.err(formatInstallProgress(progress));
        },
      });
      connector.salesforce.client.clearDescribeCache();
      const checks = await checkPrerequisites(conn, {
        fieldNames: salesforceFieldNamesFrom(connector.mapping),
      });
      if (options.json) io.out(JSON.stringify({ result, prerequisites: checks }));
      else {
        io.out(formatInstallResult(result));
        io.out(formatPrerequisites(checks));
      }
      return result.ok && checks.every((check) => check.ok || check.severity !== 'error');
    });
    io.setExitCode(ok ? EXIT.ok : EXIT.failure);
  });
}
