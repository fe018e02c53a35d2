/** Shared plumbing for commands: load the config, build a logger, open the connector or just the store. */
import {
  type Connector,
  openConnector,
  openConnectorStore,
  openPartnerCenter,
  openVault,
  type PartnerCenterClients,
} from '../app.ts';
import type { CosellConfig } from '../config/configSchema.ts';
import { loadConfig } from '../config/loadConfig.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import type { Store } from '../store/store.ts';
import type { CliIo } from './cliIo.ts';
import type { CommonOptions } from './commonOptions.ts';

export interface CommandContext {
  config: CosellConfig;
  logger: Logger;
}

export function commandContext(
  options: CommonOptions,
  io: CliIo,
  { logsToStdout = false } = {},
): CommandContext {
  const { config } = loadConfig({ file: options.config, env: io.env, cwd: io.cwd });
  const level = options.logLevel ?? (logsToStdout ? config.log.level : 'warn');
  const logger = logsToStdout
    ? createLogger({ level })
    : createLogger({ level, pretty: false, destination: process.stderr });
  return { config, logger };
}

/** Opens the whole connector (store, queue, clients; nothing started), runs fn, always closes. */
export async function withConnector<T>(
  options: CommonOptions,
  io: CliIo,
  fn: (connector: Connector, context: CommandContext) => Promise<T>,
): Promise<T> {
  const context = commandContext(options, io);
  const connector = await openConnector({ config: context.config, logger: context.logger, env: io.env });
  try {
    return await fn(connector, context);
  } finally {
    await connector.close();
  }
}

/** Opens only the store (status, audit, retry need no remote system). */
export async function withStore<T>(
  options: CommonOptions,
  io: CliIo,
  fn: (store: Store, context: CommandContext) => Promise<T>,
): Promise<T> {
  const context = commandContext(options, io);
  const store = await openConnectorStore(context.config);
  try {
    return await fn(store, context);
  } finally {
    await store.close();
  }
}

/** Opens the store and the Partner Center clients only (sign-in, webhooks): Salesforce is not needed. */
export async function withPartnerCenter<T>(
  options: CommonOptions,
  io: CliIo,
  fn: (partnerCenter: PartnerCenterClients, context: CommandContext & { store: Store }) => Promise<T>,
): Promise<T> {
  return withStore(options, io, async (store, context) => {
    const partnerCenter = openPartnerCenter(context.config, openVault(store, io.env), context.logger);
    try {
      return await fn(partnerCenter, { ...context, store });
    } finally {
      await partnerCenter.close();
    }
  });
}
