/**
 * Webhook ingest: how many signed Partner Center deliveries per second the connector's receiver acknowledges,
 * each only after its durable write (inbox row + queued job), and the p50/p99 acknowledgement time, from a load
 * generator on loopback. The benchmark makes its own PKI (a root, a TLS certificate for the loopback host that
 * serves the signing certificate, and a signing certificate of "Microsoft Corporation"), configures the
 * connector to trust that root, and signs N distinct bodies before the clock starts. The connector runs HTTP
 * only (no worker), on the SQLite store and, with DATABASE_URL, on Postgres; a bare Fastify endpoint that
 * answers 202 at once is measured in the same run as the ceiling. Bounded by count and by time.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { Pool } from 'undici';
import { createRootCa, issueCertificate, signBody } from '../emulators/partner-center/testPki.ts';
import { type Connector, openConnector } from '../src/app.ts';
import type { CosellConfig } from '../src/config/configSchema.ts';
import { WEBHOOK_PATH } from '../src/http/routes/postPartnerCenterWebhook.ts';
import { silentLogger } from '../src/shared/logger.ts';
import { TEST_SECRET_KEY } from '../test/support/childProcess.ts';
import { startTestSandbox } from '../test/support/sandboxHarness.ts';
import { connectorSchemas, dropSchemas } from '../test/support/testStores.ts';
import { withConnectionSettings } from '../test/support/withConnectionSettings.ts';
import { type BenchContext, type Benchmark, type BenchRow, scaled } from './benchmark.ts';
import { ratePerSecond, summariseLatency } from './latencySummary.ts';
import { runConcurrently } from './runConcurrently.ts';

const DELIVERIES = 5_000;
const IN_FLIGHT = 32;
const WARM_UP = 50;
const TIME_LIMIT_MS = 60_000;
const TARGET_PER_SECOND = 10_000;
const TARGET_P99_MS = 20;

interface SignedDelivery {
  body: string;
  signature: string;
}

interface Measured {
  label: string;
  perSecond: number;
  samplesMs: number[];
  acknowledged: number;
  refused: number;
}

/** Sends the deliveries to `url` with IN_FLIGHT at once; stops at the count or the time limit. */
async function drive(
  label: string,
  url: string,
  deliveries: readonly SignedDelivery[],
  certificateUrl: string,
): Promise<Measured> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: IN_FLIGHT });
  const send = async (delivery: SignedDelivery) => {
    const response = await pool.request({
      path: target.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Signature ${delivery.signature}`,
        'x-ms-signature-algorithm': 'rsa-sha256',
        'x-ms-certificate-url': certificateUrl,
      },
      body: delivery.body,
    });
    await response.body.dump();
    return response.statusCode;
  };
  try {
    // Warm-up (certificate download and chain check, JIT): not counted.
    for (const delivery of deliveries.slice(0, WARM_UP)) await send(delivery);
    const measured = deliveries.slice(WARM_UP);
    const samplesMs: number[] = [];
    let acknowledged = 0;
    let refused = 0;
    const startedAt = performance.now();
    const deadline = startedAt + TIME_LIMIT_MS;
    await runConcurrently(measured.length, IN_FLIGHT, async (index) => {
      if (performance.now() > deadline) return;
      const sentAt = performance.now();
      const status = await send(measured[index] as SignedDelivery);
      samplesMs.push(performance.now() - sentAt);
      if (status === 202) acknowledged += 1;
      else refused += 1;
    });
    const elapsedMs = performance.now() - startedAt;
    return { label, perSecond: ratePerSecond(acknowledged, elapsedMs), samplesMs, acknowledged, refused };
  } finally {
    await pool.close();
  }
}

/** The connector's webhook receiver alone (HTTP, no worker) on `config`. */
async function receiver(config: CosellConfig): Promise<{ url: string; connector: Connector }> {
  const connector = await openConnector({
    config: { ...config, server: { ...config.server, port: 0 } },
    logger: silentLogger,
    env: { ...process.env, COSELL_SECRET_KEY: TEST_SECRET_KEY },
  });
  await connector.start({ http: true, worker: false });
  return { url: `${connector.url}${WEBHOOK_PATH}`, connector };
}

function row(measured: Measured, ceiling: number | null, note: string): BenchRow {
  const latency = summariseLatency(measured.samplesMs);
  const share = ceiling ? measured.perSecond / ceiling : null;
  return {
    benchmark: 'ingest',
    measure: `signed deliveries acknowledged, ${measured.label}`,
    count: measured.acknowledged,
    latency,
    perSecond: measured.perSecond,
    ...(ceiling === null
      ? {}
      : {
          target: {
            text: `≥ ${TARGET_PER_SECOND.toLocaleString('en-US')}/s, p99 ≤ ${TARGET_P99_MS} ms, ≥ 0.33 × bare Fastify`,
            met:
              measured.perSecond >= TARGET_PER_SECOND &&
              latency.p99Ms <= TARGET_P99_MS &&
              (share ?? 0) >= 0.33,
          },
        }),
    note: `${note}${share === null ? '' : `; ${share.toFixed(2)} × bare Fastify`}${measured.refused ? `; ${measured.refused} not answered 202` : ''}; ${IN_FLIGHT} in flight`,
  };
}

export const webhookIngest: Benchmark = {
  name: 'ingest',
  description: `signed webhook deliveries per second acknowledged after the durable write, vs a bare Fastify endpoint (${IN_FLIGHT} in flight)`,
  async run(context: BenchContext) {
    const count = scaled(context, DELIVERIES, WARM_UP + 100);
    const sandbox = await startTestSandbox({ pollIntervalSeconds: 2 });
    const closers: (() => Promise<unknown>)[] = [];
    try {
      await sandbox.connector.close();
      context.say('ingest: making the PKI and signing the deliveries…');
      const root = await createRootCa('CN=Bench Webhook Root');
      const tls = await issueCertificate(root, { subject: 'CN=127.0.0.1', ipAddresses: ['127.0.0.1'] });
      const signer = await issueCertificate(root, {
        subject: 'CN=bench-webhook-signer, O=Microsoft Corporation',
      });
      const certificateServer = createServer({ cert: tls.certPem, key: tls.keyPem }, (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(signer.certPem);
      });
      await new Promise<void>((resolve) => certificateServer.listen(0, '127.0.0.1', resolve));
      closers.push(() => new Promise((resolve) => certificateServer.close(resolve)));
      const certificateHost = `127.0.0.1:${(certificateServer.address() as AddressInfo).port}`;
      const certificateUrl = `https://${certificateHost}/signer.pem`;
      const rootFile = join(sandbox.dir, 'bench-webhook-root.pem');
      writeFileSync(rootFile, root.certPem);
      // The connector's HTTPS client trusts the emulators' CA (sign-in) and this root (certificate download).
      const caBundle = join(sandbox.dir, 'bench-ca-bundle.pem');
      const emulatorCa = sandbox.config.partnerCenter.trustedCaFile;
      writeFileSync(caBundle, `${emulatorCa ? readFileSync(emulatorCa, 'utf8') : ''}\n${root.certPem}`);
      const base = withConnectionSettings(sandbox.config, {
        partnerCenter: {
          trustedCaFile: caBundle,
          webhook: { certificateHosts: [certificateHost], trustedRootsFile: rootFile },
        },
      });
      const deliveries: SignedDelivery[] = Array.from({ length: count }, () => {
        const body = JSON.stringify({
          EventName: 'referral-updated',
          ResourceUri: `https://api.partnercenter.microsoft.com/v1/engagements/referrals/${randomUUID()}`,
          ResourceName: 'Referral',
          AuditUri: null,
          ResourceChangeUtcDate: new Date().toISOString(),
        });
        return { body, signature: signBody(signer.keyPem, body) };
      });

      const bare = Fastify({ logger: false });
      bare.post('/webhooks/partner-center', async (_request, reply) =>
        reply.code(202).send({ status: 'accepted' }),
      );
      const bareUrl = `${await bare.listen({ host: '127.0.0.1', port: 0 })}/webhooks/partner-center`;
      closers.push(() => bare.close());
      context.say(`ingest: ${count} deliveries to a bare Fastify endpoint…`);
      const ceiling = await drive(
        'bare Fastify (no verification, no write)',
        bareUrl,
        deliveries,
        certificateUrl,
      );
      const rows: BenchRow[] = [row(ceiling, null, 'the ceiling: answers 202 at once')];

      const stores: { label: string; config: CosellConfig; cleanup?: () => Promise<void> }[] = [
        { label: 'SQLite', config: base },
      ];
      const url = context.databaseUrl;
      if (url) {
        const schema = `bench_ingest_${randomBytes(4).toString('hex')}`;
        stores.push({
          label: 'Postgres + pg-boss',
          config: {
            ...base,
            store: { kind: 'postgres', url, schema },
            queue: { ...base.queue, kind: 'pg-boss' },
          },
          cleanup: () => dropSchemas(url, connectorSchemas(schema)),
        });
      } else context.say('ingest: DATABASE_URL is not set, Postgres skipped');
      for (const store of stores) {
        const opened = await receiver(store.config);
        try {
          context.say(`ingest: ${count} deliveries to the connector on ${store.label}…`);
          const measured = await drive(`connector, ${store.label}`, opened.url, deliveries, certificateUrl);
          rows.push(
            row(
              measured,
              ceiling.perSecond,
              'RSA-SHA256 check, inbox insert and job enqueue before the 202 (HTTP only, no worker)',
            ),
          );
        } finally {
          await opened.connector.close();
          await store.cleanup?.();
        }
      }
      return rows;
    } finally {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await sandbox.stop();
    }
  },
};
