/**
 * Partner Center → Salesforce: milliseconds from Microsoft creating a referral (POST /__emulator/referrals,
 * which fires the signed `referral-created` webhook) until the opportunity carrying its referral id can be
 * read over the Salesforce REST API (SOQL every 20 ms). One referral at a time.
 */
import type { TestSandbox } from '../test/support/sandboxHarness.ts';
import { type BenchContext, type BenchRow, scaled } from './benchmark.ts';
import { benchReferral, createReferral, PROBE_INTERVAL_MS, timeUntil } from './benchSandbox.ts';
import { summariseLatency } from './latencySummary.ts';

const REFERRALS = 50;
const WARM_UP_REFERRALS = 3;
const TIMEOUT_MS = 60_000;
const TARGET_P95_MS = 60_000;

export async function measurePartnerCenterToSalesforce(
  sandbox: TestSandbox,
  context: BenchContext,
): Promise<BenchRow> {
  const count = scaled(context, REFERRALS, 5);
  const opportunityFor = async (referralId: string) =>
    (
      await sandbox.seller.query<{ Id: string }>(
        `SELECT Id FROM Opportunity WHERE Partner_Center_Referral_Id__c = '${referralId}'`,
      )
    ).records[0];
  const sample = async (tag: string, index: number) => {
    let referralId = '';
    return timeUntil(
      'the opportunity for a new referral',
      async () => {
        referralId = await createReferral(sandbox, benchReferral(tag, index));
      },
      () => opportunityFor(referralId),
      TIMEOUT_MS,
    );
  };

  context.say(`e2e: Partner Center → Salesforce, ${WARM_UP_REFERRALS} warm-up + ${count} referrals…`);
  for (let index = 0; index < WARM_UP_REFERRALS; index += 1) await sample('pc2sf-warmup', index);
  const samplesMs: number[] = [];
  for (let index = 0; index < count; index += 1) samplesMs.push(await sample('pc2sf', index));
  const latency = summariseLatency(samplesMs);
  return {
    benchmark: 'e2e',
    measure: 'Partner Center → Salesforce (webhook)',
    count,
    latency,
    target: { text: 'p95 < 60 s', met: latency.p95Ms < TARGET_P95_MS },
    note: `one referral at a time, each a new customer (account, contact, role, solution created); probe every ${PROBE_INTERVAL_MS} ms; after ${WARM_UP_REFERRALS} warm-up referrals`,
  };
}
