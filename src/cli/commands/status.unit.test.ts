import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../store/store.ts';
import { formatAuditEntry } from './status.ts';

const entry: AuditEntry = {
  id: '1',
  connectionId: 'sandbox',
  linkId: '7',
  referralId: 'ref-1',
  opportunityId: '006A',
  at: '2026-11-25T10:11:12.345Z',
  trigger: 'webhook',
  direction: 'toSalesforce',
  outcome: 'ok',
  changes: [
    { field: 'amount', side: 'salesforce', before: null, after: 5000 },
    { field: 'contacts', side: 'partnerCenter', before: [], after: [{ email: 'a@b.c' }] },
  ],
  error: null,
  message: 'Updated opportunity 006A.',
};

describe('formatAuditEntry', () => {
  it('prints time, outcome icon, trigger, message, ids and each change on its own line', () => {
    expect(formatAuditEntry(entry).split('\n')).toEqual([
      '2026-11-25 10:11:12 ✔ [webhook] Updated opportunity 006A.  (link 7 · opp 006A · ref ref-1)',
      '      → Salesforce     amount: ∅ → 5000',
      '      → Partner Center contacts: [] → [{"email":"a@b.c"}]',
    ]);
  });

  it('marks errors, conflicts and no-ops apart from successes', () => {
    const icon = (outcome: AuditEntry['outcome']) =>
      formatAuditEntry({ ...entry, outcome, changes: [] }).split(' ')[2];
    expect([icon('error'), icon('conflict'), icon('noop'), icon('ok')]).toEqual(['✖', '⚠', '·', '✔']);
  });
});
