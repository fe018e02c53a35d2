/**
 * Webhook ACK latency: how long the connector takes to answer a signed Partner Center delivery
 * (verify RSA-SHA256 over the raw body, insert into the SQLite inbox, enqueue the deal sync, 202).
 *
 * The deliveries are real: each POST /__emulator/referrals makes the Partner Center emulator sign and
 * send `referral-created`. The emulator keeps its signing key to itself, so the webhook is registered at
 * a loopback relay (timingProxy.ts) that forwards each delivery unchanged and times the connector's answer.
 * The worker keeps syncing the new deals meanwhile, so the figure is the ACK time under sync load.
 */
import { performance } from 'node:perf_hooks';
import { WEBHOOK_PATH } from '../src/http/routes/postPartnerCenterWebhook.ts';
import { waitFor } from '../test/support/sandboxHarness.ts';
import { scaled } from './benchmark.ts';
import { CREATE_CONCURRENCY, createReferrals, PROBE_INTERVAL_MS, sandboxBenchmark } from './benchSandbox.ts';
import { ratePerSecond, summariseLatency } from './latencySummary.ts';
import { TimingProxy } from './timingProxy.ts';

const DELIVERIES = 2_000;
/** Excluded from the figures: the first delivery fetches and checks the signing certificate chain. */
const WARM_UP_DELIVERIES = 20;
const TARGET_P99_MS = 250;

export const webhookAckLatency = sandboxBenchmark(
  'webhook',
  'connector answer time for signed Partner Center webhook deliveries (SQLite inbox)',
  async (sandbox, context) => {
    const count = scaled(context, DELIVERIES, 20);
    const relay = await TimingProxy.start(sandbox.urls.connector);
    try {
      await sandbox.connector.webhooks.register(`${relay.url}${WEBHOOK_PATH}`, undefined, {
        overwrite: true,
      });
      const created = () => relay.timings.filter((timing) => timing.eventName === 'referral-created');
      const deliver = async (tag: string, total: number) => {
        const before = created().length;
        await createReferrals(sandbox, tag, total);
        await waitFor(
          `${total} webhook deliveries through the relay`,
          () => created().length >= before + total,
          {
            timeoutMs: 120_000,
            intervalMs: PROBE_INTERVAL_MS,
          },
        );
        return created().slice(before);
      };

      context.say(`webhook: ${WARM_UP_DELIVERIES} warm-up deliveries…`);
      await deliver('warmup', WARM_UP_DELIVERIES);
      context.say(`webhook: ${count} measured deliveries…`);
      const startedAt = performance.now();
      const measured = await deliver('ack', count);
      const elapsedMs = performance.now() - startedAt;

      const refused = measured.filter((timing) => timing.statusCode !== 202);
      if (refused.length > 0) {
        throw new Error(
          `${refused.length} of ${measured.length} deliveries were not accepted (first status ${refused[0]?.statusCode}); the latency figures would be meaningless. Run with COSELL_TEST_LOG=1 to see why.`,
        );
      }
      const latency = summariseLatency(measured.map((timing) => timing.durationMs));
      return [
        {
          benchmark: 'webhook',
          measure: 'ACK, SQLite inbox, worker busy',
          count: measured.length,
          latency,
          perSecond: ratePerSecond(measured.length, elapsedMs),
          target: { text: `p99 < ${TARGET_P99_MS} ms`, met: latency.p99Ms < TARGET_P99_MS },
          note: `${CREATE_CONCURRENCY} referral creations in flight; per s = deliveries answered per second; all 202; after ${WARM_UP_DELIVERIES} warm-up deliveries`,
        },
      ];
    } finally {
      await relay.close();
    }
  },
);
