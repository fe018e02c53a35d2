import type { Command } from 'commander';
import { WEBHOOK_PATH } from '../../http/routes/postPartnerCenterWebhook.ts';
import type { CliIo } from '../cliIo.ts';
import { withPartnerCenter } from '../commandContext.ts';
import { type CommonOptions, withCommonOptions } from '../commonOptions.ts';
import { CliError, EXIT } from '../exitCodes.ts';

interface RegisterOptions extends CommonOptions {
  url?: string;
  overwrite?: boolean;
}

export function registerWebhookCommands(program: Command, io: CliIo): void {
  const webhooks = program.command('webhooks').description('the Partner Center webhook registration');

  withCommonOptions(
    webhooks
      .command('register')
      .description(
        'register this connector for referral-created/-updated and related-referral-created/-updated',
      )
      .option('--url <url>', `the public URL (default: server.publicUrl + ${WEBHOOK_PATH})`)
      .option('--overwrite', 'replace an existing registration (Partner Center keeps one per tenant)'),
  ).action(async (options: RegisterOptions) => {
    await withPartnerCenter(options, io, async (connector, { config }) => {
      const url =
        options.url ??
        (config.server.publicUrl ? `${config.server.publicUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}` : null);
      if (!url)
        throw new CliError(
          'Give --url, or set server.publicUrl in the config to the HTTPS address Partner Center can reach.',
          EXIT.usage,
        );
      const registration = await connector.webhooks.register(url, undefined, {
        overwrite: options.overwrite === true,
      });
      if (options.json) io.out(JSON.stringify(registration));
      else io.out(`✔ Registered ${registration.webhookUrl} for ${registration.webhookEvents.join(', ')}`);
    });
  });

  withCommonOptions(webhooks.command('show').description('show the current registration')).action(
    async (options: CommonOptions) => {
      await withPartnerCenter(options, io, async (connector) => {
        const registration = await connector.webhooks.show();
        if (options.json) io.out(JSON.stringify(registration));
        else if (!registration) io.out('No webhook is registered: run `cosell webhooks register`.');
        else io.out(`${registration.webhookUrl}\n  events: ${registration.webhookEvents.join(', ')}`);
      });
    },
  );

  withCommonOptions(
    webhooks
      .command('test')
      .description('ask Partner Center to send a test event and report whether it was delivered'),
  ).action(async (options: CommonOptions) => {
    const delivered = await withPartnerCenter(options, io, async (connector) => {
      const result = await connector.webhooks.test();
      if (options.json) io.out(JSON.stringify(result));
      else {
        io.out(
          `${result.delivered ? '✔ delivered' : '✖ not delivered'} (correlation ${result.correlationId}, ${result.status})`,
        );
        for (const attempt of result.results)
          io.out(
            `  ${attempt.dateTimeUtc ?? ''} ${attempt.responseCode ?? ''} ${attempt.responseMessage ?? ''}`,
          );
      }
      return result.delivered;
    });
    io.setExitCode(delivered ? EXIT.ok : EXIT.failure);
  });
}
