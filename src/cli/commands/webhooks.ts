import type { Command } from 'commander';
import { connectionWebhookPath } from '../../app.ts';
import { expectedWebhookUrl, WEBHOOK_PATH } from '../../http/routes/postPartnerCenterWebhook.ts';
import type { WebhookRegistration } from '../../partner-center/webhookClient.ts';
import {
  assessWebhookRegistration,
  CONNECTOR_WEBHOOK_EVENTS,
} from '../../partner-center/webhookRegistrationPlan.ts';
import type { CliIo } from '../cliIo.ts';
import { withPartnerCenter } from '../commandContext.ts';
import { type CommonOptions, withCommonOptions } from '../commonOptions.ts';
import { CliError, EXIT } from '../exitCodes.ts';
import { probeReceiver } from '../probeReceiver.ts';

interface RegisterOptions extends CommonOptions {
  url?: string;
  overwrite?: boolean;
  force?: boolean;
  dropOtherEvents?: boolean;
}

interface TestOptions extends CommonOptions {
  skipReachabilityCheck?: boolean;
}

/** The registration as lines, each event marked as the connector's or another tool's. */
export function describeRegistration(registration: WebhookRegistration | null): string[] {
  if (!registration) return ['No webhook is registered for this tenant.'];
  const ours = registration.webhookEvents.filter((event) =>
    (CONNECTOR_WEBHOOK_EVENTS as readonly string[]).includes(event),
  );
  const others = registration.webhookEvents.filter((event) => !ours.includes(event));
  return [
    `${registration.webhookUrl ?? '(no URL)'}`,
    `  co-sell events: ${ours.join(', ') || 'none'}`,
    ...(others.length ? [`  other tools' events: ${others.join(', ')}`] : []),
  ];
}

export function registerWebhookCommands(program: Command, io: CliIo): void {
  const webhooks = program
    .command('webhooks')
    .description('the Partner Center webhook registration (one per tenant, shared with other tools)');

  withCommonOptions(
    webhooks
      .command('register')
      .description(
        'register this connector for referral-created/-updated and related-referral-created/-updated, keeping other tools’ events',
      )
      .option(
        '--url <url>',
        `the public URL (default: server.publicUrl + ${WEBHOOK_PATH}, or + /connections/<id>${WEBHOOK_PATH} for a connection after the first of the config)`,
      )
      .option('--overwrite', 'point a registration that names another URL at this one')
      .option(
        '--force',
        'allow a change that takes events away from the receiver that has them now (other tools’ events)',
      )
      .option('--drop-other-events', 'unregister the events this connector does not use (needs --force)'),
  ).action(async (options: RegisterOptions) => {
    await withPartnerCenter(options, io, async (connector, { config }) => {
      const url = options.url ?? expectedWebhookUrl(config.server.publicUrl, connectionWebhookPath(config));
      if (!url)
        throw new CliError(
          'Give --url, or set server.publicUrl in the config to the HTTPS address Partner Center can reach.',
          EXIT.usage,
        );
      const outcome = await connector.webhooks.registerSafely({
        url,
        overwrite: options.overwrite === true,
        force: options.force === true,
        dropOtherEvents: options.dropOtherEvents === true,
      });
      const { plan } = outcome;
      if (options.json) io.out(JSON.stringify(outcome));
      else {
        io.out('Current registration:');
        for (const line of describeRegistration(outcome.before)) io.out(`  ${line}`);
        if (plan.action === 'unchanged') io.out(`✔ Already registered: ${url} receives the co-sell events.`);
        else if (plan.action === 'refused') io.err(`✖ ${plan.message}`);
        else {
          io.out(`✔ Registered ${url}`);
          if (plan.action === 'update') {
            if (plan.added.length) io.out(`  added: ${plan.added.join(', ')}`);
            if (plan.dropped.length) io.out(`  unregistered: ${plan.dropped.join(', ')}`);
            if (plan.previousUrl) io.out(`  ${plan.previousUrl} no longer receives events.`);
          }
          for (const line of describeRegistration(outcome.registration)) io.out(`  ${line}`);
        }
      }
      if (plan.action === 'refused') io.setExitCode(EXIT.failure);
    });
  });

  withCommonOptions(
    webhooks
      .command('show')
      .description('show the tenant’s registration and whether it sends co-sell events to this environment'),
  ).action(async (options: CommonOptions) => {
    await withPartnerCenter(options, io, async (connector, { config }) => {
      const registration = await connector.webhooks.show();
      const assessment = assessWebhookRegistration(
        registration,
        expectedWebhookUrl(config.server.publicUrl, connectionWebhookPath(config)),
      );
      if (options.json) io.out(JSON.stringify({ registration, ...assessment }));
      else {
        for (const line of describeRegistration(registration)) io.out(line);
        io.out(`${assessment.ok ? '✔' : '⚠'} ${assessment.detail}`);
        if (assessment.fix) io.out(`  → ${assessment.fix}`);
      }
    });
  });

  withCommonOptions(
    webhooks
      .command('test')
      .description(
        'check that the registered URL answers, then ask Partner Center to send a test event and report its delivery',
      )
      .option(
        '--skip-reachability-check',
        'do not check the URL from this machine first (when it is reachable only from the internet)',
      ),
  ).action(async (options: TestOptions) => {
    const delivered = await withPartnerCenter(options, io, async (connector) => {
      const registration = await connector.webhooks.show();
      if (!registration?.webhookUrl)
        throw new CliError('No webhook is registered: run `cosell webhooks register` first.');
      if (!options.skipReachabilityCheck) {
        const probe = await probeReceiver(registration.webhookUrl);
        if (!probe.ok)
          throw new CliError(
            `Nothing answers at ${registration.webhookUrl} (${probe.reason}), so Partner Center could not deliver either. ` +
              'Start the receiver (`cosell serve`) and check the proxy or TLS in front of it, then run this again. ' +
              'If the URL is reachable only from the internet, pass --skip-reachability-check.',
          );
      }
      const result = await connector.webhooks.test();
      if (options.json) io.out(JSON.stringify(result));
      else {
        io.out(
          `${result.delivered ? '✔ delivered' : '✖ not delivered'} to ${registration.webhookUrl} (correlation ${result.correlationId})`,
        );
        for (const attempt of result.results)
          io.out(
            `  ${attempt.dateTimeUtc ?? ''} ${attempt.responseCode ?? ''} ${attempt.responseMessage ?? ''}`,
          );
        if (!result.delivered)
          io.out(
            '  → a 401 means the signature check refused it: see docs/troubleshooting.md ("Deliveries are rejected with 401"); other codes come from the receiver or a proxy in front of it',
          );
      }
      return result.delivered;
    });
    io.setExitCode(delivered ? EXIT.ok : EXIT.failure);
  });
}
