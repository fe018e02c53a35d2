/**
 * Writes whose job is interrupted, and writes raced by a seller's edit: every write that lands has exactly one
 * audit entry, and a seller edit made while a sync is under way is never overwritten silently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SALESFORCE_API_VERSION } from '../../src/salesforce/salesforceConnection.ts';
import type { AuditEntry } from '../../src/store/store.ts';
import {
  inboundReferral,
  startTestSandbox,
  type TestSandbox,
  waitFor,
  waitForQuiet,
} from '../support/sandboxHarness.ts';

/** The Composite call that updates this opportunity (each update is a PATCH subrequest with If-Unmodified-Since). */
const opportunityUpdate = (opportunityId: string) => ({
  method: 'POST',
  path: `/services/data/v${SALESFORCE_API_VERSION}/composite`,
  bodyIncludes: `/sobjects/Opportunity/${opportunityId}`,
});

describe('interrupted and raced writes', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    // Only Partner Center's webhooks start syncs here (the Salesforce poll is slowed down): a test edits the
    // opportunity while a sync it started is under way, and no poll runs in between.
    sandbox = await startTestSandbox({ pollIntervalSeconds: 3600 });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  const connectionId = () => sandbox.config.connectionId;
  const linkedDeal = async (name: string) => {
    const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name }));
    const referralId = String(created['id']);
    const link = await waitFor(`the synced link of ${name}`, async () => {
      const found = await sandbox.connector.store.links.findByReferralId(connectionId(), referralId);
      return found?.state === 'synced' && found.opportunityId && found.pcETag ? found : null;
    });
    return { referralId, linkId: link.id, opportunityId: String(link.opportunityId) };
  };
  const auditOf = (linkId: string): Promise<AuditEntry[]> =>
    sandbox.connector.store.audit.list({ connectionId: connectionId(), linkId, limit: 100 });
  const recording = (entries: readonly AuditEntry[], field: string, side: string, after: unknown) =>
    entries.filter((entry) =>
      entry.changes.some(
        (change) => change.field === field && change.side === side && change.after === after,
      ),
    );

  it('a Salesforce write that landed before its job failed is audited once, by the next run', async () => {
    const deal = await linkedDeal('Lost answer – Copilot rollout');
    // Salesforce saves the next opportunity update, then the answer is lost: the job fails after the write and
    // before the store transaction that holds its audit entry; its retry finds the value on both sides.
    await sandbox.sf('POST', '/__emulator/faults', {
      match: opportunityUpdate(deal.opportunityId),
      phase: 'response',
      status: 503,
      count: 1,
    });
    await sandbox.pc('PATCH', `/__emulator/referrals/${deal.referralId}`, {
      details: { dealValue: 777_001 },
    });

    const entries = await waitFor(
      'the audit entry of the amount written to Salesforce',
      async () => {
        const all = await auditOf(deal.linkId);
        return recording(all, 'dealValue', 'salesforce', 777_001).length ? all : null;
      },
      { timeoutMs: 30_000 },
    );
    // The fault struck: the first answer really was lost.
    expect((await sandbox.sf('GET', '/__emulator/faults'))['rules']).toEqual([]);
    const opportunity = await sandbox.seller.query<Record<string, unknown>>(
      `SELECT Amount FROM Opportunity WHERE Id = '${deal.opportunityId}'`,
    );
    expect(opportunity.records[0]?.['Amount']).toBe(777_001);
    const [entry, ...more] = recording(entries, 'dealValue', 'salesforce', 777_001);
    expect(more).toEqual([]);
    expect(entry?.outcome).toBe('ok');
    expect(entry?.message).toMatch(
      /earlier sync's write that landed before its job could record it: dealValue to Salesforce/,
    );
    const link = await sandbox.connector.store.links.get(deal.linkId);
    expect(link).toMatchObject({ state: 'synced', pendingWrite: null });
  });

  it("a seller's edit made between a sync's read and its Salesforce write is merged (conflict audited), not overwritten", async () => {
    const deal = await linkedDeal('Raced edit – Sentinel SOC');
    await waitForQuiet(sandbox);
    // The seller changes the description (to go to Partner Center); Microsoft changes the deal value (to come to
    // Salesforce). Partner Center holds the sync's referral update for 4 s: between the sync's read of the
    // opportunity and its Salesforce write, the seller changes the amount too.
    await sandbox.seller
      .sobject('Opportunity')
      .update({ Id: deal.opportunityId, Description: 'Seller: scope is 300 VMs now.' });
    await sandbox.pc('POST', '/__emulator/faults', {
      match: { method: 'PATCH', path: `/v1.0/engagements/referrals/${deal.referralId}` },
      latencyMs: 4_000,
      count: 1,
    });
    await sandbox.pc('PATCH', `/__emulator/referrals/${deal.referralId}`, {
      details: { dealValue: 555_001 },
    });
    await waitFor(
      "the sync's referral update under way",
      async () => ((await sandbox.pc('GET', '/__emulator/faults'))['rules'] as unknown[]).length === 0,
    );
    await sandbox.seller.sobject('Opportunity').update({ Id: deal.opportunityId, Amount: 555_002 });

    // Microsoft's 555,001 and the seller's 555,002 both changed the amount since the base: a conflict, decided by
    // the mapping's policy and audited — the seller's edit is never overwritten unseen.
    const conflict = await waitFor(
      'the conflict on the deal value in the audit trail',
      async () =>
        (await auditOf(deal.linkId)).find(
          (entry) => entry.outcome === 'conflict' && /\bdealValue\b/.test(entry.message),
        ),
      { timeoutMs: 30_000 },
    );
    expect(conflict.message).toMatch(/Conflict on dealValue \(kept (partnerCenter|salesforce)\)/);
    await waitForQuiet(sandbox);
    const opportunity = await sandbox.seller.query<Record<string, unknown>>(
      `SELECT Amount, Description FROM Opportunity WHERE Id = '${deal.opportunityId}'`,
    );
    const referral = (await sandbox.pc('GET', '/__emulator/referrals')) as unknown as Record<
      string,
      unknown
    >[];
    const details = referral.find((row) => row['id'] === deal.referralId)?.['details'] as Record<
      string,
      unknown
    >;
    const winner = /kept salesforce/.test(conflict.message) ? 555_002 : 555_001;
    expect(opportunity.records[0]?.['Amount']).toBe(winner);
    expect(details['dealValue']).toBe(winner);
    // The description the seller changed before the race reached Partner Center, and that write is audited.
    expect(details['notes']).toBe('Seller: scope is 300 VMs now.');
    expect(
      recording(await auditOf(deal.linkId), 'notes', 'partnerCenter', 'Seller: scope is 300 VMs now.'),
    ).toHaveLength(1);
  });
});
