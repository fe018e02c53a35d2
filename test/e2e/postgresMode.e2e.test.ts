import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inboundReferral,
  recordForReferral,
  referralById,
  startTestSandbox,
  type TestSandbox,
  waitFor,
} from '../support/sandboxHarness.ts';
import { postgresSkipReason, testDatabaseUrl } from '../support/testStores.ts';

const url = testDatabaseUrl();
const skipReason = postgresSkipReason();

// Skipped, with the reason in its name, when DATABASE_URL is unset (in CI postgresSkipReason throws instead).
describe.skipIf(!url)(
  `distributed mode: Postgres store and pg-boss queue${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const schema = `e2e_${process.pid}_${Date.now().toString(36)}`;
    let sandbox: TestSandbox;
    beforeAll(async () => {
      sandbox = await startTestSandbox({ configOverrides: { store: { kind: 'postgres', url, schema } } });
    });
    afterAll(async () => {
      await sandbox?.stop();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS ${schema}_queue CASCADE`);
      await client.end();
    }, 180_000);

    it('syncs both ways with the Postgres store and the pg-boss queue', async () => {
      expect(sandbox.config.store.kind).toBe('postgres');
      expect(sandbox.connector.store.dialect).toBe('postgres');
      const created = await sandbox.pc(
        'POST',
        '/__emulator/referrals',
        inboundReferral({ name: 'On Postgres' }),
      );
      const referralId = String(created['id']);
      const opportunity = await waitFor('the opportunity', () => recordForReferral(sandbox, referralId));
      await sandbox.seller
        .sobject('Opportunity')
        .update({ Id: String(opportunity['Id']), StageName: 'Qualification' });
      await waitFor(
        'the accepted referral',
        async () => (await referralById(sandbox, referralId))['status'] === 'Active',
      );
      const link = await sandbox.connector.store.links.findByReferralId('sandbox', referralId);
      expect(link?.opportunityId).toBe(opportunity['Id']);
    });
  },
);
