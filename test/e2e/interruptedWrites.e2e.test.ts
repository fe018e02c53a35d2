/**
 * Writes whose job is interrupted, and writes raced by a seller's edit: every write that lands has exactly one
 * audit entry, and a seller edit made while a sync is under way is never overwritten silently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/store/store.ts';
import { inboundReferral, startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';

const COLLECTION_WRITE = { method: 'PATCH', path: '/services/data/v62.0/composite/sobjects' };

describe('interrupted and raced writes', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
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
      match: COLLECTION_WRITE,
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
});
