/** Shared plumbing for commands: load the config, build a logger, open the connector or just the store. */
import {
  type Connector,
  openConnector,
  openConnectorStore,
  openPartnerCenter,
  openVault,
  type PartnerCenterClients,
  SECRETS,
} from '../app.ts';
import type { CosellConfig } from '../config/configSchema.ts';
import { selectConnection } from '../config/connectionConfig.ts';
import { loadConfig } from '../config/loadConfig.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { UpstreamError } from '../shared/upstreamError.ts';
import type { SecretVault } from '../store/secretBox.ts';
import type { Store } from '../store/store.ts';
import type { CliIo } from './cliIo.ts';
import type { CommonOptions } from './commonOptions.ts';
import { diagnoseSignInFailure } from './diagnoseSignInFailure.ts';
import { CliError } from './exitCodes.ts';

export interface CommandContext {
  /** The config as the chosen connection sees it (the first one when the command acts on every connection). */
  config: CosellConfig;
  /** The connections the command acts on: the one --connection names, else every one (or the only one). */
  connectionIds: string[];
  logger: Logger;
}

/**
 * The config limited to `--connection` (required when the config lists several, unless `allConnections`: then
 * every connection, or the one named), and the command's logger.
 */
export function commandContext(
  options: CommonOptions,
  io: CliIo,
  { logsToStdout = false, allConnections = false } = {},
): CommandContext {
  const loaded = loadConfig({ file: options.config, env: io.env, cwd: io.cwd }).config;
  const { config, connectionIds } = selectConnection(loaded, options.connection, { all: allConnections });
  const level = options.logLevel ?? (logsToStdout ? config.log.level : 'warn');
  // Commands that print results keep stdout for them: logs go to stderr, readable on a terminal.
  const logger = logsToStdout
    ? createLogger({ level })
    : createLogger({ level, pretty: process.stderr.isTTY === true, destination: process.stderr });
  return { config, connectionIds, logger };
}

/** Opens the whole connector (store, queue, clients; nothing started), runs fn, always closes. */
export async function withConnector<T>(
  options: CommonOptions,
  io: CliIo,
  fn: (connector: Connector, context: CommandContext) => Promise<T>,
): Promise<T> {
  const context = commandContext(options, io);
  const connector = await openConnector({
    config: context.config,
    connectionIds: [context.config.connectionId],
    logger: context.logger,
    env: io.env,
  });
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
  { allConnections = false } = {},
): Promise<T> {
  const context = commandContext(options, io, { allConnections });
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
    const vault = openVault(store, io.env);
    const partnerCenter = openPartnerCenter(context.config, vault, context.logger);
    try {
      return await fn(partnerCenter, { ...context, store });
    } catch (error) {
      throw await explainSignInFailure(error, context.config, vault, partnerCenter);
    } finally {
      await partnerCenter.close();
    }
  });
}

/**
 * A failed Partner Center sign-in, restated with the setting that causes it when it is the tenant id,
 * the authority URL or a changed client id (see diagnoseSignInFailure); any other error is returned as is.
 */
export async function explainSignInFailure(
  error: unknown,
  config: CosellConfig,
  vault: SecretVault,
  partnerCenter: PartnerCenterClients,
): Promise<unknown> {
  if (!(error instanceof UpstreamError) || error.upstream !== 'identity') return error;
  const tokenCache = await vault.get(config.connectionId, SECRETS.partnerCenterTokenCache).catch(() => null);
  const diagnosis = await diagnoseSignInFailure({
    config,
    tokenCache,
    dispatcher: partnerCenter.dispatcher,
  });
  return diagnosis === null ? error : new CliError(diagnosis);
}
