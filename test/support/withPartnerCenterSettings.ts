import type { CosellConfig } from '../../src/config/configSchema.ts';

/**
 * A config of one connection with changed Partner Center settings. A parsed config holds its connection's
 * settings twice (at the top level and in `connections`), and the connector reads each connection from the
 * list: a change made only at the top level would be ignored.
 */
export function withPartnerCenterSettings(
  config: CosellConfig,
  changes: Partial<CosellConfig['partnerCenter']>,
): CosellConfig {
  if (config.connections.length !== 1)
    throw new Error(
      `withPartnerCenterSettings expects a config of one connection, not ${config.connections.length}`,
    );
  const partnerCenter = { ...config.partnerCenter, ...changes };
  return {
    ...config,
    partnerCenter,
    connections: config.connections.map((connection) => ({
      ...connection,
      partnerCenter: { ...connection.partnerCenter, ...changes },
    })),
  };
}
