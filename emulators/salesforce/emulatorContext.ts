/** What every route module of the Salesforce emulator shares. */
import type { Logger } from '../../src/shared/logger.ts';
import type { SubrequestRunner } from './compositeSubrequests.ts';
import type { RecordWriter } from './recordWriter.ts';
import type { RequestGate } from './requestGate.ts';
import type { SalesforceOrg } from './salesforceOrg.ts';
import type { SessionRegistry } from './sessionRegistry.ts';

export interface EmulatorContext {
  org: SalesforceOrg;
  sessions: SessionRegistry;
  writer: RecordWriter;
  logger: Logger;
  /** Held shared by REST requests, exclusive by all-or-nothing composite requests. */
  gate: RequestGate;
  /** Runs composite subrequests against the emulator's own routes. */
  subrequests: SubrequestRunner;
  /** `http://127.0.0.1:<port>`: login URL and instance URL. */
  baseUrl(): string;
}

export const API_VERSIONS = [
  '42.0',
  '46.0',
  '50.0',
  '55.0',
  '58.0',
  '59.0',
  '60.0',
  '61.0',
  '62.0',
  '63.0',
  '64.0',
  '65.0',
  '66.0',
];
