import type { LinkRow, Store } from './store.ts';

/**
 * Forgets a link (e.g. after one side was deleted) with an audit entry saying so, in one transaction; the next
 * sync of either record treats it as new.
 */
export async function forgetLink(store: Store, link: LinkRow, at: string, trigger: string): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.audit.append({
      connectionId: link.connectionId,
      linkId: null,
      referralId: link.referralId,
      opportunityId: link.opportunityId,
      at,
      trigger,
      direction: 'none',
      outcome: 'skipped',
      changes: [],
      error: null,
      message: `Unlinked referral ${link.referralId ?? '–'} and opportunity ${link.opportunityId ?? '–'} (link ${link.id}).`,
    });
    await tx.links.delete(link.id);
  });
}
