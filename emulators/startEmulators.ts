/** Starts both emulators side by side: what `cosell emulate` and `cosell sandbox` run. */
import type { Clock } from '../src/shared/clock.ts';
import type { Logger } from '../src/shared/logger.ts';
import {
  type PartnerCenterEmulator,
  startPartnerCenterEmulator,
} from './partner-center/startPartnerCenterEmulator.ts';
import { type SalesforceEmulator, startSalesforceEmulator } from './salesforce/startSalesforceEmulator.ts';

export interface EmulatorsOptions {
  host?: string;
  pcPort?: number;
  identityPort?: number;
  sfPort?: number;
  latencyMs?: number;
  /** One state file name; each emulator keeps its part beside it (<name>.partner-center.json, <name>.salesforce.json). */
  stateFile?: string;
  clock?: Clock;
  logger?: Logger;
  autoApproveDeviceCodes?: boolean;
}

export interface Emulators {
  partnerCenter: PartnerCenterEmulator;
  salesforce: SalesforceEmulator;
  /** The line `cosell emulate` prints. */
  urls: { partnerCenter: string; salesforce: string; identity: string };
  close(): Promise<void>;
}

export function stateFileFor(stateFile: string, part: 'partner-center' | 'salesforce'): string {
  return stateFile.endsWith('.json')
    ? stateFile.replace(/\.json$/, `.${part}.json`)
    : `${stateFile}.${part}.json`;
}

export async function startEmulators(options: EmulatorsOptions = {}): Promise<Emulators> {
  const common = {
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  };
  const partnerCenter = await startPartnerCenterEmulator({
    ...common,
    port: options.pcPort ?? 0,
    identityPort: options.identityPort ?? 0,
    ...(options.stateFile === undefined
      ? {}
      : { stateFile: stateFileFor(options.stateFile, 'partner-center') }),
    ...(options.autoApproveDeviceCodes === undefined
      ? {}
      : { autoApproveDeviceCodes: options.autoApproveDeviceCodes }),
  });
  let salesforce: SalesforceEmulator;
  try {
    salesforce = await startSalesforceEmulator({
      ...common,
      port: options.sfPort ?? 0,
      ...(options.stateFile === undefined
        ? {}
        : { stateFile: stateFileFor(options.stateFile, 'salesforce') }),
    });
  } catch (error) {
    await partnerCenter.close();
    throw error;
  }
  return {
    partnerCenter,
    salesforce,
    urls: {
      partnerCenter: partnerCenter.url,
      salesforce: salesforce.url,
      identity: partnerCenter.identityUrl,
    },
    async close() {
      await Promise.allSettled([partnerCenter.close(), salesforce.close()]);
    },
  };
}
