/**
 * `cosell sync` run beside a live server on the same store: both take jobs from one queue, per-deal keys keep any
 * deal from syncing twice at once, and the command reports what each deal came to (exit 0, no eTag errors, no
 * duplicates).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, runCosell, TEST_SECRET_KEY } from '../support/childProcess.ts';
import { inboundReferral, startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';

const DEALS = 24;

describe('cosell sync beside a running server', () => {
  let sandbox: TestSandbox;
  let configFile: string;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
    configFile = join(sandbox.dir, 'cosell.yaml');
    writeFileSync(configFile, JSON.stringify(sandbox.config));
  });
  afterAll(async () => {
    await sandbox?.stop();
    if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
  });

  it('syncs every deal once, with the server working the same deals, and reports each outcome', async () => {
    // Microsoft assigns a burst of referrals: the server's webhook-driven syncs and the backfill race for them.
    const ids: string[] = [];
    for (let i = 0; i < DEALS; i += 1) {
      const created = await sandbox.pc(
        'POST',
        '/__emulator/referrals',
        inboundReferral({ name: `Beside the server ${i}` }),
      );
      ids.push(String(created['id']));
    }
    const run = await runCosell(['sync', '--json', '--log-level', 'error', '--config', configFile], {
      env: childEnv({ COSELL_SECRET_KEY: TEST_SECRET_KEY }),
    });
    expect(run.stderr).not.toMatch(/412|eTag|etag/);
    expect(
      run.code,
      `cosell sync exited ${run.code}:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`,
    ).toBe(0);
    const report = JSON.parse(run.stdout) as {
      outcomes: { request: { referralId?: string }; result?: { action: string }; error?: string }[];
      pending: unknown[];
    };
    expect(report.pending).toEqual([]);
    expect(report.outcomes.filter((outcome) => outcome.error)).toEqual([]);
    const reported = new Set(report.outcomes.map((outcome) => outcome.request.referralId));
    for (const id of ids) expect(reported.has(id)).toBe(true);
    // Exactly one opportunity per referral, and one creation entry per deal in the audit trail.
    await waitFor('every opportunity', async () => {
      const rows = await sandbox.seller.query<{ Partner_Center_Referral_Id__c: string }>(
        "SELECT Partner_Center_Referral_Id__c FROM Opportunity WHERE Name LIKE 'Beside the server %'",
      );
      return rows.totalSize >= DEALS;
    });
    const rows = await sandbox.seller.query<{ Partner_Center_Referral_Id__c: string }>(
      "SELECT Partner_Center_Referral_Id__c FROM Opportunity WHERE Name LIKE 'Beside the server %'",
    );
    const byReferral = new Map<string, number>();
    for (const row of rows.records)
      byReferral.set(
        row.Partner_Center_Referral_Id__c,
        (byReferral.get(row.Partner_Center_Referral_Id__c) ?? 0) + 1,
      );
    expect([...byReferral.values()].every((count) => count === 1)).toBe(true);
    expect(byReferral.size).toBe(DEALS);
    const audit = await sandbox.connector.store.audit.list({ connectionId: 'sandbox', limit: 1000 });
    for (const id of ids) {
      const creates = audit.filter(
        (entry) => entry.referralId === id && /^(Created|Linked) opportunity/.test(entry.message),
      );
      expect(creates).toHaveLength(1);
    }
  });
});
