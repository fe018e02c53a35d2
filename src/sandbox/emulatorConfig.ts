/**
 * A connector configuration that points at running emulators: what `cosell sandbox` runs with and what
 * `cosell emulate --write-config` writes. It trusts the emulators' test CA (for Entra ID and webhook
 * certificates) and signs in to Salesforce with the JWT bearer flow, with a key made once in `dir`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Emulators } from '../../emulators/startEmulators.ts';
import { createSelfSignedCertificate } from '../shared/selfSignedCertificate.ts';
import { emulatorControl } from './emulatorControl.ts';

export interface EmulatorConfigOptions {
  connectionId: string;
  host: string;
  port: number;
  storePath: string;
  pollIntervalSeconds: number;
  reconcileIntervalSeconds: number;
}

/** The JWT signing key and certificate for the emulated connected app: made once, kept in `dir`. */
async function jwtKeyIn(dir: string): Promise<{ privateKeyFile: string; certificatePem: string }> {
  const privateKeyFile = join(dir, 'salesforce-jwt.key');
  const certificateFile = join(dir, 'salesforce-jwt.crt');
  if (!existsSync(privateKeyFile) || !existsSync(certificateFile)) {
    const made = await createSelfSignedCertificate({ commonName: 'cosell emulated org', validDays: 3650 });
    writeFileSync(privateKeyFile, made.privateKeyPem, { mode: 0o600 });
    writeFileSync(certificateFile, made.certificatePem);
  }
  return { privateKeyFile, certificatePem: readFileSync(certificateFile, 'utf8') };
}

/** Writes the CA and JWT files into `dir`, registers the certificate with the Salesforce emulator, returns the config. */
export async function emulatorConfig(
  emulators: Emulators,
  dir: string,
  options: EmulatorConfigOptions,
): Promise<Record<string, unknown>> {
  const { partnerCenter: pc, salesforce: sf } = emulators;
  const jwtKey = await jwtKeyIn(dir);
  await emulatorControl(sf.url, 'POST', '/__emulator/connected-app', {
    certificatePem: jwtKey.certificatePem,
  });
  const caFile = join(dir, 'emulator-ca.pem');
  writeFileSync(caFile, pc.caCertPem);
  return {
    connectionId: options.connectionId,
    store: { kind: 'sqlite', path: options.storePath },
    server: { host: options.host, port: options.port },
    partnerCenter: {
      referralsUrl: pc.url,
      webhooksUrl: pc.url,
      authorityUrl: pc.identityUrl,
      tenantId: pc.tenantId,
      clientId: pc.clientId,
      trustedCaFile: caFile,
      // The emulator approves device codes at once, so signing in needs nobody at a browser.
      signIn: { flow: 'deviceCode' },
      webhook: { certificateHosts: [new URL(pc.identityUrl).host], trustedRootsFile: caFile },
    },
    salesforce: {
      loginUrl: sf.url,
      auth: {
        flow: 'jwt',
        clientId: sf.connectedApp.clientId,
        username: sf.users.integration.username,
        privateKeyFile: jwtKey.privateKeyFile,
      },
    },
    sync: {
      pollIntervalSeconds: options.pollIntervalSeconds,
      reconcileIntervalSeconds: options.reconcileIntervalSeconds,
    },
  };
}
