/** Helpers for the emulator's own tests: a started emulator and jsforce connections to it. */
import { Connection } from 'jsforce';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  type SalesforceEmulator,
  type SalesforceEmulatorOptions,
  startSalesforceEmulator,
} from '../../emulators/salesforce/startSalesforceEmulator.ts';

export const TEST_API_VERSION = '62.0';

export async function startTestEmulator(
  options: SalesforceEmulatorOptions = {},
): Promise<SalesforceEmulator> {
  return startSalesforceEmulator(options);
}

/** A jsforce connection logged in with the OAuth password flow (jsforce re-runs it on 401). */
export async function loginAs(
  emulator: SalesforceEmulator,
  who: 'admin' | 'integration',
  version = TEST_API_VERSION,
): Promise<Connection> {
  const connection = new Connection({
    loginUrl: emulator.url,
    version,
    oauth2: {
      loginUrl: emulator.url,
      clientId: emulator.connectedApp.clientId,
      clientSecret: emulator.connectedApp.clientSecret,
    },
  });
  const user = emulator.users[who];
  await connection.login(user.username, user.password);
  return connection;
}

export async function control(
  emulator: SalesforceEmulator,
  path: string,
  body: unknown = {},
  method = 'POST',
): Promise<unknown> {
  const response = await fetch(`${emulator.url}/__emulator/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`control ${path} answered ${response.status}: ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

export interface EmulatorSuite {
  emulator: SalesforceEmulator;
  /** A connection logged in as the admin. */
  conn: Connection;
}

/** Starts one emulator for a test file, logs in as the admin, and resets the org before each test. */
export function useEmulatorSuite(options: SalesforceEmulatorOptions = {}): EmulatorSuite {
  const suite = {} as EmulatorSuite;
  beforeAll(async () => {
    suite.emulator = await startTestEmulator(options);
    suite.conn = await loginAs(suite.emulator, 'admin');
  });
  afterAll(async () => suite.emulator.close());
  beforeEach(async () => {
    await control(suite.emulator, 'reset');
  });
  return suite;
}

export interface CaughtError {
  name?: string;
  errorCode?: string;
  message: string;
  data?: unknown;
}

/** The error a call fails with (the test fails if it succeeds). */
export async function errorOf(promise: PromiseLike<unknown>): Promise<CaughtError> {
  try {
    await promise;
  } catch (error) {
    return error as CaughtError;
  }
  throw new Error('expected the call to fail');
}
