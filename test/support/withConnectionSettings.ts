import type { CosellConfig } from '../../src/config/configSchema.ts';

type ConnectionSettings = {
  partnerCenter?: Partial<CosellConfig['partnerCenter']>;
  sync?: Partial<CosellConfig['sync']>;
};

/**
 * A config with changed connection settings. A parsed config holds its connections' settings twice (the first
 * connection's at the top level, each one's in `connections`), and the connector reads each connection from the
 * list: a change made only at the top level would be ignored. `sync` changes apply to every connection;
 * `partnerCenter` changes (one tenant's URLs, certificates) only to a config of one connection.
 */
export function withConnectionSettings(config: CosellConfig, changes: ConnectionSettings): CosellConfig {
  if (changes.partnerCenter && config.connections.length !== 1)
    throw new Error(
      `Partner Center settings apply to a config of one connection, not ${config.connections.length}`,
    );
  const apply = <T extends { partnerCenter: object; sync: object }>(section: T): T => ({
    ...section,
    partnerCenter: { ...section.partnerCenter, ...changes.partnerCenter },
    sync: { ...section.sync, ...changes.sync },
  });
  return { ...apply(config), connections: config.connections.map(apply) };
}
