import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnectorStore } from '../../src/app.ts';
import { childEnv, spawnTracked, TEST_SECRET_KEY, type TrackedProcess } from '../support/childProcess.ts';
import {
  allOpportunities,
  allReferrals,
  type ConvergenceReport,
  checkConvergence,
  type DealSides,
  describeDeals,
} from '../support/dealConvergence.ts';
import { inboundReferral, startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';
import { shareOpportunityWithMicrosoft } from '../support/sellerActions.ts';

const CHILD = 'test/support/connectorChild.ts';
const CREATE = { method: 'POST', path: '/v1.0/engagements/referrals' };

// Also with the Partner Center emulator ignoring $filter clauses on fields Microsoft does not document as filterable
// (externalReferenceId among them), as the real service may: recovery must not depend on them.
describe.each(['evaluate', 'ignore'])(
  'the connector killed (SIGKILL) in the middle of syncing, then restarted (undocumented filters: %s)',
  (undocumentedFilters) => {
    let sandbox: TestSandbox;
    let configFile: string;
    const children: TrackedProcess[] = [];

    const startChild = async (): Promise<TrackedProcess> => {
      const child = spawnTracked(process.execPath, ['--import', 'tsx', CHILD, configFile], {
        env: childEnv({ COSELL_SECRET_KEY: TEST_SECRET_KEY }),
      });
      children.push(child);
      await child.waitForLine(/"ready"/, 30_000);
      return child;
    };

    beforeAll(async () => {
      // The sandbox installs the package, signs in and registers the webhook; its own connector is then stopped,
      // and the children run the connector on the same store and emulators. One job at a time, so that the
      // kill lands while the first deal is half done and the others have not started.
      sandbox = await startTestSandbox({ configOverrides: { queue: { concurrency: 1 } } });
      await sandbox.pc('POST', '/__emulator/settings', { undocumentedFilters });
      await sandbox.connector.close();
      configFile = join(sandbox.dir, 'child-config.json');
      writeFileSync(configFile, JSON.stringify(sandbox.config));
    });
    afterAll(async () => {
      for (const child of children) await child.stop('SIGKILL');
      await sandbox?.emulators.close();
      if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
    });

    it('converges with one opportunity per referral, one referral per opportunity, and consistent links', async () => {
      const sides: DealSides = { seller: sandbox.seller, urls: sandbox.urls };
      const outboundOpportunityId = await shareOpportunityWithMicrosoft(
        sandbox.seller,
        'Alpine Ski House ERP',
        {
          help: null,
        },
      );
      // Every Salesforce update/upsert and every referral update takes 2 s: a deal sync spends seconds between writes.
      // (Upserts are Collections PATCHes; updates are PATCH subrequests of a Composite call.)
      await sandbox.sf('POST', '/__emulator/faults', {
        match: { method: 'PATCH', path: '/services/data' },
        latencyMs: 2000,
      });
      await sandbox.sf('POST', '/__emulator/faults', {
        match: { method: 'POST', path: '/services/data', bodyIncludes: '"method":"PATCH"' },
        latencyMs: 2000,
      });
      await sandbox.pc('POST', '/__emulator/faults', {
        match: { method: 'PATCH', path: '/v1.0/engagements/referrals' },
        latencyMs: 2000,
      });
      const first = await startChild();
      const inbound: string[] = [];
      for (const name of ['Fourth Coffee – Copilot rollout', 'Proseware – SAP on Azure', 'Relecloud – AVD']) {
        const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name }));
        inbound.push(String(created['id']));
      }

      // The first opportunity carrying a referral id appears while deal jobs are still running: kill now.
      await waitFor('the first opportunity made by the connector', async () =>
        (await allOpportunities(sides)).some((row) => row.Partner_Center_Referral_Id__c),
      );
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      // Killed mid-sync: not every deal had been created yet.
      const creations = first.stdoutLines.filter((line) =>
        /"action":"create_(opportunity|referral)"/.test(line),
      );
      expect(creations.length).toBeLessThan(4);

      const dealReferralIds = async (): Promise<string[]> => [
        ...inbound,
        ...(await allReferrals(sides))
          .filter((referral) => referral['externalReferenceId'] === outboundOpportunityId)
          .map((referral) => String(referral['id'])),
      ];
      const atKill = await checkConvergence(sides, await dealReferralIds());
      expect(atKill.converged).toBe(false);

      await sandbox.sf('DELETE', '/__emulator/faults');
      await sandbox.pc('DELETE', '/__emulator/faults');
      const second = await startChild();
      const report = await waitFor<ConvergenceReport>(
        'one opportunity per referral and one referral per opportunity after the restart',
        async () => {
          const check = await checkConvergence(sides, await dealReferralIds());
          if (!check.converged) throw new Error(check.problems.join('; '));
          return check;
        },
        { timeoutMs: 45_000, intervalMs: 250 },
      ).catch(async (error: unknown) => {
        const output = (child: TrackedProcess) => [...child.stdoutLines, ...child.stderrLines].join('\n');
        throw new Error(
          [
            (error as Error).message,
            await describeDeals(sides),
            `killed connector's output:\n${output(first)}`,
            `restarted connector's output:\n${output(second)}`,
          ].join('\n'),
        );
      });
      expect(report.opportunities).toHaveLength(4);
      const outboundReferrals = report.referrals.filter(
        (referral) => referral['externalReferenceId'] === outboundOpportunityId,
      );
      expect(outboundReferrals).toHaveLength(1);
      // The outbound deal's job, left half done by the kill, runs again once the killed child's lease (30 s) runs
      // out; its link is complete when that sync reports the referral.
      await second.waitForLine(
        new RegExp(`"referralId":"[^"]+","opportunityId":"${outboundOpportunityId}"`),
        45_000,
      );

      // A clean stop, then the store: exactly one synced link per deal, matching what both sides say.
      expect((await second.stop('SIGTERM')).code).toBe(0);
      const store = await openConnectorStore(sandbox.config);
      try {
        const links = await store.links.list({ connectionId: sandbox.config.connectionId, limit: 100 });
        const expected = report.opportunities.map((row) => ({
          referralId: row.Partner_Center_Referral_Id__c,
          opportunityId: row.Id,
          state: 'synced',
        }));
        expect(
          links.map(({ referralId, opportunityId, state }) => ({ referralId, opportunityId, state })),
        ).toEqual(expect.arrayContaining(expected));
        expect(links).toHaveLength(expected.length);
      } finally {
        await store.close();
      }
    }, 150_000);

    it('a kill after Partner Center saved a new referral but before its link was saved leaves exactly one referral', async () => {
      const referralsFor = async (opportunityId: string) =>
        (await allReferrals({ seller: sandbox.seller, urls: sandbox.urls })).filter(
          (referral) => referral['externalReferenceId'] === opportunityId,
        );
      // The webhook for the new referral would lead the restarted connector to it too: lose every event, so only
      // the create intent stored before the call can. Partner Center saves the referral and holds its answer.
      await sandbox.pc('POST', '/__emulator/delivery-faults', { dropRatio: 1 });
      await sandbox.pc('POST', '/__emulator/faults', {
        match: CREATE,
        phase: 'response',
        latencyMs: 15_000,
        count: 1,
      });
      const first = await startChild();
      const opportunityId = await shareOpportunityWithMicrosoft(
        sandbox.seller,
        `Killed create ${undocumentedFilters}`,
        {
          help: null,
        },
      );
      await waitFor(
        'the referral saved in Partner Center',
        async () => (await referralsFor(opportunityId)).length === 1,
      );
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      await sandbox.pc('DELETE', '/__emulator/faults');

      const second = await startChild();
      const opportunity = await waitFor(
        'the referral id on the opportunity after the restart',
        async () => {
          const rows = await sandbox.seller.query<Record<string, unknown>>(
            `SELECT Partner_Center_Referral_Id__c, Partner_Center_Sync_Status__c FROM Opportunity WHERE Id = '${opportunityId}'`,
          );
          const row = rows.records[0];
          return row?.['Partner_Center_Referral_Id__c'] && row['Partner_Center_Sync_Status__c'] === 'Synced'
            ? row
            : undefined;
        },
        { timeoutMs: 45_000, intervalMs: 250 },
      );
      expect((await second.stop('SIGTERM')).code).toBe(0);
      await sandbox.pc('DELETE', '/__emulator/delivery-faults');
      const referrals = await referralsFor(opportunityId);
      expect(referrals).toHaveLength(1);
      expect(opportunity['Partner_Center_Referral_Id__c']).toBe(referrals[0]?.['id']);
      const store = await openConnectorStore(sandbox.config);
      try {
        const link = await store.links.findByOpportunityId(sandbox.config.connectionId, opportunityId);
        expect(link).toMatchObject({ referralId: referrals[0]?.['id'], state: 'synced' });
      } finally {
        await store.close();
      }
      expect((await sandbox.pc('GET', '/__emulator/settings'))['undocumentedFilterQueries']).toEqual([]);
    }, 120_000);
  },
);
