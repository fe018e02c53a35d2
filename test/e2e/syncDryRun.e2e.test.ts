import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnectorStore } from '../../src/app.ts';
import { childEnv, runCosell, TEST_SECRET_KEY } from '../support/childProcess.ts';
import { allReferrals, type DealSides, waitForConvergence } from '../support/dealConvergence.ts';
import { inboundReferral, startTestSandbox, type TestSandbox } from '../support/sandboxHarness.ts';

const OBJECTS = ['Opportunity', 'Account', 'Contact', 'OpportunityContactRole', 'Microsoft_Solution__c'];

/** Everything a write would change: referral eTags, Salesforce record ids and SystemModstamps, links and audit. */
async function snapshot(sandbox: TestSandbox, sides: DealSides) {
  const referrals = (await allReferrals(sides)).map((referral) => [referral['id'], referral['eTag']]);
  const salesforce: Record<string, unknown> = {};
  for (const object of OBJECTS) {
    salesforce[object] = (
      await sandbox.seller.query(`SELECT Id, SystemModstamp FROM ${object} ORDER BY Id`)
    ).records;
  }
  const store = await openConnectorStore(sandbox.config);
  try {
    const links = await store.links.list({ connectionId: 'sandbox', limit: 100 });
    const audit = await store.audit.list({ connectionId: 'sandbox' });
    return { referrals, salesforce, links, auditEntries: audit.length };
  } finally {
    await store.close();
  }
}

describe('cosell sync --dry-run', () => {
  let sandbox: TestSandbox;
  let configFile: string;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
    configFile = join(sandbox.dir, 'cosell.yaml');
    // JSON is YAML: the sandbox's own config (emulator URLs, its store, the test CA).
    writeFileSync(configFile, JSON.stringify(sandbox.config));
  });
  afterAll(async () => {
    await sandbox?.emulators.close();
    if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
  });

  it('prints each deal’s plan with fields before → after, as text and as JSON, and writes nothing', async () => {
    const sides: DealSides = { seller: sandbox.seller, urls: sandbox.urls };
    const linked = String((await sandbox.pc('POST', '/__emulator/referrals', inboundReferral()))['id']);
    const { opportunities } = await waitForConvergence(sides, [linked]);
    const opportunityId = opportunities[0]?.Id ?? '';
    // Stop the connector; then both sides change behind its back, and a new referral arrives.
    await sandbox.connector.close();
    await sandbox.pc('PATCH', `/__emulator/referrals/${linked}`, { details: { dealValue: 180_000 } });
    await sandbox.seller
      .sobject('Opportunity')
      .update({ Id: opportunityId, Description: 'Seller: customer wants a pilot first.' });
    const fresh = String(
      (
        await sandbox.pc(
          'POST',
          '/__emulator/referrals',
          inboundReferral({ name: 'Woodgrove – Data estate' }),
        )
      )['id'],
    );
    const before = await snapshot(sandbox, sides);

    const env = childEnv({ COSELL_SECRET_KEY: TEST_SECRET_KEY });
    const text = await runCosell(['sync', '--dry-run', '--log-level', 'error', '--config', configFile], {
      env,
    });
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Plan (dry run — nothing was written) for 2 deals:');
    const lines = text.stdout.split('\n');
    const updateAt = lines.findIndex(
      (line) => line.startsWith('update') && line.includes(`referral ${linked}`),
    );
    expect(lines[updateAt]).toContain(`opportunity ${opportunityId}`);
    const createAt = lines.findIndex(
      (line) => line.startsWith('create_opportunity') && line.includes(`referral ${fresh}`),
    );
    expect(createAt).toBeGreaterThanOrEqual(0);
    const planOf = (start: number) => {
      const rest = lines.slice(start + 1);
      const end = rest.findIndex((line) => !line.startsWith('    '));
      return rest.slice(0, end === -1 ? undefined : end).map((line) => line.trim().replace(/\s+/g, ' '));
    };
    expect(planOf(updateAt)).toEqual(
      expect.arrayContaining([
        'Salesforce dealValue: 120000 → 180000',
        'Partner Center notes: Customer is moving 200 VMs to Azure. → Seller: customer wants a pilot first.',
      ]),
    );
    expect(planOf(createAt)).toEqual(
      expect.arrayContaining([
        'Salesforce Name: ∅ → Woodgrove – Data estate',
        'Salesforce Amount: ∅ → 120000',
      ]),
    );
    expect(text.stdout).toMatch(/Would do:\n\s+create_opportunity\s+1\n\s+update\s+1/);

    const json = await runCosell(['sync', '--dry-run', '--json', '--config', configFile], { env });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as {
      dryRun: boolean;
      outcomes: {
        result: { action: string; referralId: string; toSalesforce: unknown[]; toPartnerCenter: unknown[] };
      }[];
    };
    expect(parsed.dryRun).toBe(true);
    const byReferral = new Map(parsed.outcomes.map((outcome) => [outcome.result.referralId, outcome.result]));
    expect(byReferral.get(linked)).toMatchObject({
      action: 'update',
      toSalesforce: [expect.objectContaining({ field: 'dealValue', before: 120_000, after: 180_000 })],
      toPartnerCenter: [
        expect.objectContaining({ field: 'notes', after: 'Seller: customer wants a pilot first.' }),
      ],
    });
    expect(byReferral.get(fresh)?.action).toBe('create_opportunity');

    expect(await snapshot(sandbox, sides)).toEqual(before);
  });
});
