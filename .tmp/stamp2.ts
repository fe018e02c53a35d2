import { createReferrals, enqueueBackfill } from '../bench/benchSandbox.ts';
import { pollFromWorkerCursor, startTestSandbox, waitForQuiet } from '../test/support/sandboxHarness.ts';

const sandbox = await startTestSandbox({ pollIntervalSeconds: 3600 });
try {
  await sandbox.connector.webhooks.remove();
  const ids = await createReferrals(sandbox, 'stamp', 300);
  await sandbox.sf('POST', '/__emulator/faults', { match: { path: '/services/data' }, latencyMs: 50 });
  await enqueueBackfill(sandbox.connector, new Set(ids));
  await waitForQuiet(sandbox, { minSyncs: 300, quietMs: 1500, timeoutMs: 120000 });
  let diff = 0,
    notSynced = 0;
  const states = {};
  for (const id of ids) {
    const link = await sandbox.connector.store.links.findByReferralId(sandbox.config.connectionId, id);
    states[link?.state ?? 'none'] = (states[link?.state ?? 'none'] ?? 0) + 1;
    const opp = (
      await sandbox.seller.query(
        `SELECT Id, SystemModstamp, LastModifiedById FROM Opportunity WHERE Id = '${link?.opportunityId}'`,
      )
    ).records[0];
    if (Date.parse(opp.SystemModstamp) > Date.parse(link.sfSystemModstamp ?? '0')) {
      diff++;
      if (diff < 4) console.log('DIFF', link.sfSystemModstamp, opp.SystemModstamp, opp.LastModifiedById);
    }
  }
  console.log('states', JSON.stringify(states), 'stamp newer than link', diff);
  console.log('poll sees', (await pollFromWorkerCursor(sandbox)).length);
  const counts = {};
  for (const s of sandbox.syncs)
    counts[`${s.trigger ?? ''}:${s.action}`] = (counts[`${s.trigger ?? ''}:${s.action}`] ?? 0) + 1;
  console.log('syncs', JSON.stringify(counts));
} finally {
  await sandbox.stop();
}
