/**
 * One deployment may serve several Partner Center tenant ↔ Salesforce org pairs (`connections` in the config).
 * Code that serves one connection reads the top-level connectionId, partnerCenter, salesforce and sync of a
 * CosellConfig: these pick the connection those settings are, and which connections a command acts on.
 */
import { ConfigError } from './configProblem.ts';
import type { ConnectionConfig, CosellConfig } from './configSchema.ts';

/** The config as seen by one of its connections: its settings at the top level, the shared sections as they are. */
export function connectionConfig(config: CosellConfig, connection: ConnectionConfig): CosellConfig {
  return {
    ...config,
    connectionId: connection.id,
    partnerCenter: connection.partnerCenter,
    salesforce: connection.salesforce,
    sync: connection.sync,
  };
}

/** The config of every connection it lists, in order (one for a config without a `connections` list). */
export function eachConnectionConfig(config: CosellConfig): CosellConfig[] {
  return config.connections.map((connection) => connectionConfig(config, connection));
}

/**
 * The config as seen by the connection `--connection` names (its settings at the top level; `connections` still
 * lists every pair of the file), and the connections the command acts on. Without `--connection`, a config of one
 * connection is that one; with several, a command that acts on one must be told which (`all`: serve, worker and
 * status act on every connection then).
 */
export function selectConnection(
  config: CosellConfig,
  wanted: string | undefined,
  { all = false }: { all?: boolean } = {},
): { config: CosellConfig; connectionIds: string[] } {
  const ids = config.connections.map((connection) => connection.id);
  if (wanted === undefined) {
    if (all || ids.length === 1) return { config, connectionIds: ids };
    throw new ConfigError(
      [
        {
          path: '--connection',
          message: `is missing: this config lists ${ids.length} connections (${ids.join(', ')})`,
          hint: 'say which one this command acts on with --connection ID',
        },
      ],
      null,
    );
  }
  const connection = config.connections.find((each) => each.id === wanted);
  if (connection === undefined)
    throw new ConfigError(
      [
        {
          path: '--connection',
          message: `no connection ${wanted} in this config`,
          hint: `use one of: ${ids.join(', ')} (the ids under \`connections\`, or \`connectionId\`)`,
        },
      ],
      null,
    );
  return { config: connectionConfig(config, connection), connectionIds: [connection.id] };
}

/** The config of each of these connections, in the config's order. */
export function connectionConfigsOf(config: CosellConfig, ids: readonly string[]): CosellConfig[] {
  return eachConnectionConfig(config).filter((each) => ids.includes(each.connectionId));
}

/** A connection's limits as they apply: its API budget and its concurrency caps (status and dashboard show them). */
export interface ConnectionLimits {
  /** Most deal batches of this connection one worker process runs at once. */
  concurrency: number;
  /** Most Partner Center calls one deal batch makes at once. */
  partnerCenterConcurrency: number;
  /** Share of the org's daily Salesforce API requests above which polling slows down tenfold. */
  salesforceApiBudgetRatio: number;
}

export function connectionLimits(config: CosellConfig): ConnectionLimits {
  return {
    concurrency: config.sync.concurrency ?? config.queue.concurrency,
    partnerCenterConcurrency: config.sync.partnerCenterConcurrency,
    salesforceApiBudgetRatio: config.sync.salesforceApiBudgetRatio,
  };
}

/**
 * A loaded config as a file would say it: a config of one connection without the `connections` list (the
 * top-level sections are that connection), one of several without the top-level copies of the first connection.
 */
export function configForFile(config: CosellConfig): Record<string, unknown> {
  const { connections, connectionId, partnerCenter, salesforce, sync, ...shared } = config;
  if (connections.length === 1) return { connectionId, partnerCenter, salesforce, sync, ...shared };
  return { ...shared, connections };
}
