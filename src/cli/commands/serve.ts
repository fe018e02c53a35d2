import type { Command } from 'commander';
import { openConnector } from '../../app.ts';
import type { CliIo } from '../cliIo.ts';
import { commandContext } from '../commandContext.ts';
import { type CommonOptions, withCommonOptions } from '../commonOptions.ts';

interface ServeOptions extends CommonOptions {
  worker: boolean;
}

async function run(
  io: CliIo,
  options: CommonOptions,
  start: { http: boolean; worker: boolean },
): Promise<void> {
  const { config, connectionIds, logger } = commandContext(options, io, {
    logsToStdout: true,
    allConnections: true,
  });
  const connector = await openConnector({
    config,
    connectionIds,
    logger,
    env: io.env,
    onDealSynced: (result) => {
      if (result.action !== 'noop')
        logger.info(
          { action: result.action, referralId: result.referralId, opportunityId: result.opportunityId },
          result.message,
        );
    },
  });
  try {
    await connector.start(start);
    logger.info(
      {
        url: connector.url,
        worker: start.worker,
        store: config.store.kind,
        connections: connector.connections.map((connection) => connection.id),
      },
      start.http ? `cosell is listening on ${connector.url}` : 'cosell worker is running',
    );
    const signal = await io.waitForStop();
    logger.info({ signal }, 'stopping');
  } finally {
    await connector.close();
  }
}

const SERVE_CONNECTION_HELP = 'run this connection only (default: every connection of the config)';

export function registerServeCommands(program: Command, io: CliIo): void {
  withCommonOptions(
    program
      .command('serve')
      .description(
        'serve webhooks, the admin API and health checks, with an in-process worker (unless --no-worker)',
      )
      .option('--no-worker', 'HTTP only: run `cosell worker` processes separately (Postgres + pg-boss)'),
    { json: false, connectionHelp: SERVE_CONNECTION_HELP },
  ).action((options: ServeOptions) => run(io, options, { http: true, worker: options.worker }));

  withCommonOptions(
    program
      .command('worker')
      .description('run sync jobs, the Salesforce poller and the reconciler without HTTP'),
    { json: false, connectionHelp: SERVE_CONNECTION_HELP },
  ).action((options: CommonOptions) => run(io, options, { http: false, worker: true }));
}
