import { benchReferral, createReferral } from '../bench/benchSandbox.ts';
import { pollFromWorkerCursor, startTestSandbox, waitForQuiet } from '../test/support/sandboxHarness.ts';

const sandbox = await startTestSandbox({ pollIntervalSeconds: 3600 });
try {
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push(await createReferral(sandbox, benchReferral('stamp', i)));
  await waitForQuiet(sandbox, { minSyncs: 3, quietMs: 1500 });
  for (const id of ids) {
    const link = await sandbox.connector.store.links.findByReferralId(sandbox.config.connectionId, id);
    const opp = (
      await sandbox.seller.query(
        `SELECT Id, SystemModstamp, LastModifiedById, LastModifiedDate FROM Opportunity WHERE Id = '${link?.opportunityId}'`,
      )
    ).records[0];
    console.log(id, link?.state, link?.sfSystemModstamp, JSON.stringify(opp));
  }
  console.log('poll sees', await pollFromWorkerCursor(sandbox));
  console.log('syncs', sandbox.syncs.map((s) => `${s.trigger ?? ''}:${s.action}`).join(' '));
} finally {
  await sandbox.stop();
}
