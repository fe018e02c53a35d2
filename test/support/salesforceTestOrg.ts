/**
 * Test support: a Salesforce emulator on 127.0.0.1 (port 0) and real jsforce connections to it.
 * Used by the src/salesforce/*.test.ts integration tests only.
 */
import type { Connection } from 'jsforce';
import { startSalesforceEmulator } from '../../emulators/salesforce/startSalesforceEmulator.ts';
import { openSalesforceConnection, type SalesforceAuth } from '../../src/salesforce/salesforceConnection.ts';

export type SalesforceEmulator = Awaited<ReturnType<typeof startSalesforceEmulator>>;

export interface SalesforceTestOrg {
  emulator: SalesforceEmulator;
  url: string;
  /** POSTs JSON to an emulator control route (e.g. `/__emulator/limits`) and returns the parsed answer. */
  control(path: string, body?: unknown): Promise<unknown>;
  connectAsAdmin(): Promise<Connection>;
  connectAsIntegration(): Promise<Connection>;
  close(): Promise<void>;
}

export async function startSalesforceTestOrg(): Promise<SalesforceTestOrg> {
  const emulator = await startSalesforceEmulator({ port: 0 });
  const url = emulator.url.replace(/\/+$/, '');
  const passwordAuth = (user: { username: string; password: string }): SalesforceAuth => ({
    flow: 'password',
    clientId: emulator.connectedApp.clientId,
    clientSecret: emulator.connectedApp.clientSecret,
    username: user.username,
    password: user.password,
  });
  return {
    emulator,
    url,
    async control(path, body = {}) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`Emulator control ${path} answered ${response.status}: ${text}`);
      return text ? JSON.parse(text) : null;
    },
    connectAsAdmin: () =>
      openSalesforceConnection({ loginUrl: url, auth: passwordAuth(emulator.users.admin) }),
    connectAsIntegration: () =>
      openSalesforceConnection({ loginUrl: url, auth: passwordAuth(emulator.users.integration) }),
    close: () => emulator.close(),
  };
}
