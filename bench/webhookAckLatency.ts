/**
 * Webhook ACK latency: how long the connector takes to answer a signed Partner Center delivery
 * (verify RSA-SHA256 over the raw body, insert into the SQLite inbox, enqueue the deal sync, 202).
 *
 * The deliveries are real: the Partner Center emulator signs and sends them. It keeps its signing key to
 * itself, so the webhook is registered at a loopback relay (timingProxy.ts) that forwards each delivery
 * unchanged and times the connector's answer. The worker keeps syncing meanwhile, so each figure is the
 * ACK time under sync load. Two ways of producing deliveries:
 * - `referral-updated`: PATCH /__emulator/referrals/{id} round-robin over a few referrals. The emulators'
 *   state stays small, so this is the closest to the connector's own cost.
 * - `referral-created`: POST /__emulator/referrals, one new referral per delivery. The emulators share the
 *   connector's event loop and rewrite their whole state file after every change, a cost that grows with
 *   every referral; this row shows the connector's answer times with that load beside it.
 */
import { performance } from 'node:perf_hooks';
import { WEBHOOK_PATH } from '../src/http/routes/postPartnerCenterWebhook.ts';
import { type TestSandbox, waitFor, waitForQuiet } from '../test/support/sandboxHarness.ts';
import { type BenchContext, type BenchRow, scaled } from './benchmark.ts';
import { CREATE_CONCURRENCY, createReferrals, PROBE_INTERVAL_MS, sandboxBenchmark } from './benchSandbox.ts';
import { ratePerSecond, summariseLatency } from './latencySummary.ts';
import { runConcurrently } from './runConcurrently.ts';
import { type TimedRequest, TimingProxy } from './timingProxy.ts';

const DELIVERIES = 2_000;
/** Excluded from the figures: the first delivery fetches and checks the signing certificate chain. */
const WARM_UP_DELIVERIES = 20;
/** Referrals the update deliveries go round. */
const UPDATED_REFERRALS = 20;
const TARGET_P99_MS = 250;

interface AckRun {
  measure: string;
  eventName: string;
  /** Makes the emulator send `count` deliveries of `eventName`; `round` tells warm-up and measured apart. */
  produce(round: string, count: number): Promise<void>;
  note: string;
}

async function measureAck(relay: TimingProxy, run: AckRun, count: number, context: BenchContext) {
  const ofEvent = () => relay.timings.filter((timing) => timing.eventName === run.eventName);
  const deliver = async (round: string, total: number): Promise<TimedRequest[]> => {
    const before = ofEvent().length;
    await run.produce(round, total);
    await waitFor(
      `${total} ${run.eventName} deliveries through the relay`,
      () => ofEvent().length >= before + total,
      {
        timeoutMs: 120_000,
        intervalMs: PROBE_INTERVAL_MS,
      },
    );
    return ofEvent().slice(before);
  };
  context.say(`webhook: ${run.eventName}, ${WARM_UP_DELIVERIES} warm-up + ${count} measured deliveries…`);
  await deliver('warmup', WARM_UP_DELIVERIES);
  const startedAt = performance.now();
  const measured = await deliver('measured', count);
  const elapsedMs = performance.now() - startedAt;
  const refused = measured.filter((timing) => timing.statusCode !== 202);
  if (refused.length > 0) {
    throw new Error(
      `${refused.length} of ${measured.length} ${run.eventName} deliveries were not accepted (first status ${refused[0]?.statusCode}); the latency figures would be meaningless. Run with COSELL_TEST_LOG=1 to see why.`,
    );
  }
  const latency = summariseLatency(measured.map((timing) => timing.durationMs));
  const row: BenchRow = {
    benchmark: 'webhook',
    measure: run.measure,
    count: measured.length,
    latency,
    perSecond: ratePerSecond(measured.length, elapsedMs),
    target: { text: `p99 < ${TARGET_P99_MS} ms`, met: latency.p99Ms < TARGET_P99_MS },
    note: `${run.note}; ${CREATE_CONCURRENCY} emulator calls in flight; per s = deliveries answered per second; all answered 202; after ${WARM_UP_DELIVERIES} warm-up deliveries`,
  };
  return row;
}

function updateRun(sandbox: TestSandbox, referralIds: readonly string[]): AckRun {
  return {
    measure: 'ACK referral-updated, SQLite, worker busy',
    eventName: 'referral-updated',
    note: `PATCH round-robin over ${referralIds.length} referrals`,
    produce: (round, count) =>
      runConcurrently(count, CREATE_CONCURRENCY, (index) =>
        sandbox.pc('PATCH', `/__emulator/referrals/${referralIds[index % referralIds.length]}`, {
          details: { notes: `Microsoft seller note ${round} ${index}` },
        }),
      ),
  };
}

function createRun(sandbox: TestSandbox): AckRun {
  return {
    measure: 'ACK referral-created, SQLite, worker busy',
    eventName: 'referral-created',
    note: 'one new referral per delivery; emulator state files grow and are rewritten on the same event loop',
    produce: async (round, count) => {
      await createReferrals(sandbox, `ack-${round}`, count);
    },
  };
}

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
      const referralIds = await createReferrals(sandbox, 'ack-base', UPDATED_REFERRALS);
      // Let the first syncs of those referrals finish so that their own echo updates are not in the figures.
      await waitForQuiet(sandbox, { minSyncs: UPDATED_REFERRALS, quietMs: 1_000 });
      const updated = await measureAck(relay, updateRun(sandbox, referralIds), count, context);
      const created = await measureAck(relay, createRun(sandbox), count, context);
      return [updated, created];
    } finally {
      await relay.close();
    }
  },
);
