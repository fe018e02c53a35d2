/**
 * Test support: a throwaway PKI for webhook signature tests and the emulators (roots, intermediates, signing
 * leaves with chosen organisation and dates, TLS server certificates). Not used in production.
 */
import { createPrivateKey, createSign, webcrypto } from 'node:crypto';
import '../../src/shared/reflectMetadata.ts';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
const DAY_MS = 86_400_000;
let serialCounter = 1;

export interface TestCertificate {
  certPem: string;
  certDer: Buffer;
  keyPem: string;
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

export interface IssueOptions {
  subject: string;
  isCa?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** IP subject alternative names (for a TLS server certificate). */
  ipAddresses?: string[];
  /** DNS subject alternative names (for a TLS server certificate). */
  dnsNames?: string[];
  /** An Authority Information Access caIssuers URL (where the issuer's certificate can be fetched). */
  caIssuersUrl?: string;
}

async function finish(cert: x509.X509Certificate, keys: webcrypto.CryptoKeyPair): Promise<TestCertificate> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    certPem: cert.toString('pem'),
    certDer: Buffer.from(cert.rawData),
    keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`,
    cert,
    keys,
  };
}

function nextSerial(): string {
  serialCounter += 1;
  return `01${serialCounter.toString(16).padStart(6, '0')}${Date.now().toString(16)}`;
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

export async function createRootCa(
  subject: string,
  validity: Pick<IssueOptions, 'notBefore' | 'notAfter'> = {},
): Promise<TestCertificate> {
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: subject,
    notBefore: validity.notBefore ?? new Date(now - DAY_MS),
    notAfter: validity.notAfter ?? new Date(now + 365 * DAY_MS),
    keys: keys as never,
    extensions: [
      new x509.BasicConstraintsExtension(true, 2, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return finish(cert, keys);
}

export async function issueCertificate(
  issuer: TestCertificate,
  options: IssueOptions,
): Promise<TestCertificate> {
  const keys = await generateKeys();
  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.isCa ?? false, options.isCa ? 1 : undefined, true),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.cert),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    new x509.KeyUsagesExtension(
      options.isCa
        ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
        : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
  ];
  const alternativeNames = [
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
  ];
  if (alternativeNames.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(alternativeNames),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    );
  }
  if (options.caIssuersUrl) {
    extensions.push(
      new x509.AuthorityInfoAccessExtension({ caIssuers: new x509.GeneralName('url', options.caIssuersUrl) }),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: options.subject,
    issuer: issuer.cert.subject,
    notBefore: options.notBefore ?? new Date(now - DAY_MS),
    notAfter: options.notAfter ?? new Date(now + 90 * DAY_MS),
    publicKey: keys.publicKey as never,
    signingKey: issuer.keys.privateKey as never,
    extensions,
  });
  return finish(cert, keys);
}

/** RSA-SHA256 PKCS#1 v1.5 signature of `body`, base64: what Partner Center puts in the Authorization header. */
export function signBody(keyPem: string, body: Buffer | string): string {
  return createSign('sha256').update(body).sign(createPrivateKey(keyPem)).toString('base64');
}
