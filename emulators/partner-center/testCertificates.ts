/**
 * The emulator's test PKI, generated at start: a root CA, a TLS server certificate for the identity server
 * (SAN IP 127.0.0.1 and DNS localhost) and the webhook signing leaf (O=Microsoft Corporation), all RSA 2048.
 */
import { webcrypto } from 'node:crypto';
import '../../src/shared/reflectMetadata.ts';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const RSA_ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;

const DAY_MS = 86_400_000;

export interface IssuedCertificate {
  certPem: string;
  /** DER bytes of the certificate (what a `.cer` URL serves). */
  certDer: Buffer;
  /** PKCS#8 PEM private key. */
  keyPem: string;
}

export interface TestCertificates {
  ca: IssuedCertificate;
  tls: IssuedCertificate;
  webhookSigning: IssuedCertificate;
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(RSA_ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
}

async function toIssued(
  cert: x509.X509Certificate,
  privateKey: webcrypto.CryptoKey,
): Promise<IssuedCertificate> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', privateKey));
  const keyBase64 = pkcs8.toString('base64').replace(/.{1,64}/g, '$&\n');
  return {
    certPem: cert.toString('pem'),
    certDer: Buffer.from(cert.rawData),
    keyPem: `-----BEGIN PRIVATE KEY-----\n${keyBase64}-----END PRIVATE KEY-----\n`,
  };
}

function serial(n: number): string {
  return `0${n.toString(16)}${Date.now().toString(16)}`.padEnd(16, '0');
}

export async function createTestCertificates(now: Date = new Date()): Promise<TestCertificates> {
  const notBefore = new Date(now.getTime() - DAY_MS);
  const notAfter = new Date(now.getTime() + 3650 * DAY_MS);
  const caKeys = await generateKeys();
  const caName = 'CN=Cosell Emulator Test Root CA, O=Cosell Connector Test';
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(1),
    name: caName,
    notBefore,
    notAfter,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  async function issue(subject: string, extensions: x509.Extension[]): Promise<IssuedCertificate> {
    const keys = await generateKeys();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(subject.length + 2),
      subject,
      issuer: caCert.subject,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        await x509.AuthorityKeyIdentifierExtension.create(caCert),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ...extensions,
      ],
    });
    return toIssued(cert, keys.privateKey);
  }

  const tls = await issue('CN=localhost, O=Cosell Connector Test', [
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([
      { type: 'ip', value: '127.0.0.1' },
      { type: 'dns', value: 'localhost' },
    ]),
  ]);
  const webhookSigning = await issue(
    'CN=pcnotifications-dispatch.microsoft.com, O=Microsoft Corporation, L=Redmond, ST=Washington, C=US',
    [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  );
  return { ca: await toIssued(caCert, caKeys.privateKey), tls, webhookSigning };
}
