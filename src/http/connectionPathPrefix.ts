/**
 * With several connections, each one's admin API, dashboard data and webhook receiver also answer under
 * /connections/<id>: /connections/emea/api/links, /connections/emea/webhooks/partner-center. The unprefixed
 * paths stay the first connection's, as in a deployment of one connection.
 */
export const connectionPathPrefix = (connectionId: string): string =>
  `/connections/${encodeURIComponent(connectionId)}`;
