/**
 * The connector's real HTTP server (createHttpServer) on 127.0.0.1, port 0, over a real SQLite store and the
 * embedded queue, with a real WebhookSignatureVerifier that trusts a throwaway test PKI whose certificates an
 * HTTPS certificate server on loopback hands out. No Partner Center or Salesforce: for the webhook endpoint,
 * the admin API's guards and the headers every answer carries.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Agent } from 'undici';
import {
  createRootCa,
  issueCertificate,
  signBody,
  type TestCertificate,
} from '../../emulators/partner-center/testPki.ts';
import { createHttpServer, type HttpConnection } from '../../src/http/createHttpServer.ts';
import { Metrics } from '../../src/http/metrics.ts';
import { EmbeddedQueue } from '../../src/jobs/embeddedQueue.ts';
import {
  WebhookSignatureVerifier,
  type WebhookSignatureVerifierOptions,
} from '../../src/partner-center/webhookSignatureVerifier.ts';
import { type Clock, systemClock } from '../../src/shared/clock.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import type { Store } from '../../src/store/store.ts';
import { sqliteBackend } from './testStores.ts';

const MICROSOFT_LEAF =
  'CN=pcnotifications-dispatch.microsoft.com, O=Microsoft Corporation, L=Redmond, ST=Washington, C=US';

export interface CertificateServer {
  /** https://127.0.0.1:<port> */
  origin: string;
  root: TestCertificate;
  /** A Microsoft signing certificate under `root`, served at `${origin}/cert/valid.cer`. */
  leaf: TestCertificate;
  /** Every path requested, in order. */
  requestedPaths: string[];
  /** The most requests under /slow/ that were open at the same time. */
  peakOpenSlowRequests(): number;
  /** Serves `body` at `path` with the status and headers given. Paths under /slow/ never answer. */
  serve(path: string, body: Buffer, status?: number, headers?: Record<string, string>): string;
  /** An undici dispatcher that trusts the server's TLS certificate. */
  dispatcher: Agent;
  close(): Promise<void>;
}

export async function startCertificateServer(): Promise<CertificateServer> {
  const root = await createRootCa('CN=Test Microsoft Root, O=Microsoft Corporation');
  const leaf = await issueCertificate(root, { subject: MICROSOFT_LEAF });
  const tls = await issueCertificate(root, {
    subject: 'CN=127.0.0.1, O=Cert Server',
    ipAddresses: ['127.0.0.1'],
  });
  const files = new Map<string, { status: number; body: Buffer; headers: Record<string, string> }>();
  const requestedPaths: string[] = [];
  let openSlow = 0;
  let peakSlow = 0;
  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem }, (request, response) => {
    const path = request.url ?? '';
    requestedPaths.push(path);
    if (path.startsWith('/slow/')) {
      openSlow += 1;
      peakSlow = Math.max(peakSlow, openSlow);
      response.on('close', () => {
        openSlow -= 1;
      });
      return;
    }
    const file = files.get(path);
    if (!file) return void response.writeHead(404).end();
    response.writeHead(file.status, file.headers).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dispatcher = new Agent({ connect: { ca: root.certPem } });
  const serve: CertificateServer['serve'] = (path, body, status = 200, headers) => {
    files.set(path, { status, body, headers: headers ?? { 'content-type': 'application/pkix-cert' } });
    return `${origin}${path}`;
  };
  serve('/cert/valid.cer', leaf.certDer);
  return {
    origin,
    root,
    leaf,
    requestedPaths,
    peakOpenSlowRequests: () => peakSlow,
    serve,
    dispatcher,
    async close() {
      await dispatcher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Headers of a delivery signed with `signer`'s key, naming `certificateUrl`. */
export function signedDeliveryHeaders(
  signer: TestCertificate,
  certificateUrl: string,
  body: Buffer | string,
): Record<string, string> {
  return {
    authorization: `Signature ${signBody(signer.keyPem, body)}`,
    'x-ms-certificate-url': certificateUrl,
    'x-ms-signature-algorithm': 'rsa-sha256',
    'content-type': 'application/json',
  };
}

/** A Partner Center event body as the webhook sends it. */
export function webhookEventBody(eventName: string, referralId: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      EventName: eventName,
      ResourceUri: `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${referralId}`,
      ResourceName: 'referral',
      AuditUri: null,
      ResourceChangeUtcDate: '2026-03-02T09:15:41.9876543+00:00',
    }),
  );
}

export interface ConnectorHttp {
  url: string;
  certificates: CertificateServer;
  app: FastifyInstance;
  store: Store;
  queue: EmbeddedQueue;
  metrics: Metrics;
  close(): Promise<void>;
}

export const TEST_CONNECTION_ID = 'http-test';

/** Starts the server; with no certificate server given, it starts (and on close stops) its own. */
export async function startConnectorHttp(options: {
  certificates?: CertificateServer;
  adminToken?: string;
  clock?: Clock;
  verifier?: Partial<WebhookSignatureVerifierOptions>;
  /** Every connection served (the first one is TEST_CONNECTION_ID's unprefixed routes). */
  connections?: HttpConnection[];
}): Promise<ConnectorHttp> {
  const certificates = options.certificates ?? (await startCertificateServer());
  const backend = sqliteBackend();
  const location = backend.newLocation();
  const store = await backend.open({ location });
  if (location.kind !== 'sqlite') throw new Error('expected a SQLite location');
  const queue = new EmbeddedQueue({ path: location.path, deadLetters: store.deadLetters });
  const clock = options.clock ?? systemClock;
  const metrics = new Metrics();
  const verifier = new WebhookSignatureVerifier({
    allowedCertificateHosts: [new URL(certificates.origin).host],
    trustedRootsPem: [certificates.root.certPem],
    dispatcher: certificates.dispatcher,
    certificateFetchTimeoutMs: 500,
    clock,
    ...options.verifier,
  });
  const app = await createHttpServer({
    connectionId: TEST_CONNECTION_ID,
    store,
    queue,
    verifier,
    clock,
    logger: silentLogger,
    metrics,
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    ...(options.connections ? { connections: options.connections } : {}),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    certificates,
    app,
    store,
    queue,
    metrics,
    async close() {
      await app.close();
      await queue.stop({ timeoutMs: 1_000 });
      await backend.cleanup();
      if (!options.certificates) await certificates.close();
    },
  };
}

/** Every route the server has, as method and path (from Fastify's route tree; `:id` segments kept). */
export function routesOf(app: FastifyInstance): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([\s│]*)[├└]── (\S+) \(([^)]+)\)$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    const path = `${stack.at(-1) ?? ''}${match[2] ?? ''}`;
    stack.push(path.endsWith('/') && depth > 0 ? path.slice(0, -1) : path);
    for (const method of (match[3] ?? '').split(', ')) routes.push({ method, path });
  }
  return routes;
}
