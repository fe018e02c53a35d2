/**
 * An RSA key pair with a self-signed X.509 certificate: what an admin uploads to a Salesforce connected app
 * for the JWT bearer flow (`cosell init --jwt-key`), and what the sandbox registers with its Salesforce emulator.
 */
import { webcrypto } from 'node:crypto';
import './reflectMetadata.ts';
import * as x509 from '@peculiar/x509';

const RSA_SHA256 = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

export interface KeyAndCertificate {
  privateKeyPem: string;
  certificatePem: string;
}

export async function createSelfSignedCertificate(options: {
  commonName: string;
  validDays: number;
}): Promise<KeyAndCertificate> {
  x509.cryptoProvider.set(webcrypto as never);
  const keys = (await webcrypto.subtle.generateKey(RSA_SHA256, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: now.toString(16),
    name: `CN=${options.commonName.replace(/[,=+<>#;\\"]/g, ' ')}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + options.validDays * 86_400_000),
    signingAlgorithm: RSA_SHA256,
    keys: keys as never,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const privateKeyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { privateKeyPem, certificatePem: certificate.toString('pem') };
}
