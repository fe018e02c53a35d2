/**
 * The emulator's test PKI, generated at start: a root CA, a TLS server certificate for the identity server
 * (SAN IP 127.0.0.1 and DNS localhost) and the webhook signing leaf (O=Microsoft Corporation), all RSA 2048,
 * valid from a day before `now` for ten years.
 */
import { createRootCa, issueCertificate, type TestCertificate } from './testPki.ts';

const DAY_MS = 86_400_000;

export interface TestCertificates {
  ca: TestCertificate;
  tls: TestCertificate;
  webhookSigning: TestCertificate;
}

export async function createTestCertificates(now: Date = new Date()): Promise<TestCertificates> {
  const validity = {
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + 3650 * DAY_MS),
  };
  const ca = await createRootCa('CN=Cosell Emulator Test Root CA, O=Cosell Connector Test', validity);
  const tls = await issueCertificate(ca, {
    subject: 'CN=localhost, O=Cosell Connector Test',
    ipAddresses: ['127.0.0.1'],
    dnsNames: ['localhost'],
    ...validity,
  });
  const webhookSigning = await issueCertificate(ca, {
    subject:
      'CN=pcnotifications-dispatch.microsoft.com, O=Microsoft Corporation, L=Redmond, ST=Washington, C=US',
    ...validity,
  });
  return { ca, tls, webhookSigning };
}
