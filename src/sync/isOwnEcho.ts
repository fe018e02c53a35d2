/**
 * Whether a Salesforce change the poll found is the connector's own write, with nothing new to sync. The link
 * records the newest SystemModstamp of the deal's opportunity and Microsoft solutions after each sync's writes.
 */
import type { ChangedOpportunity } from '../salesforce/changePoller.ts';
import type { LinkRow } from '../store/store.ts';

export function isOwnEcho(
  change: Pick<ChangedOpportunity, 'systemModstamp' | 'changedByConnector' | 'carriesReferralId'>,
  link: Pick<LinkRow, 'state' | 'sfSystemModstamp'> | null,
): boolean {
  // An opportunity we created from a referral whose link is not recorded yet: the job creating it is still queued
  // or running, and records it (a job that fails is retried or dead-lettered, never dropped). Syncing it from here
  // too would read and plan the deal again, under a key of its own until that job is done. An opportunity without
  // a referral id is synced, whoever changed it: the connector's user may be a person who ticked Sync.
  if (!link) return change.changedByConnector && change.carriesReferralId;
  if (!link.sfSystemModstamp || link.state !== 'synced') return false;
  // Our own write, already recorded on the link. SystemModstamp counts whole seconds, so a change in the very
  // second the link recorded is ours only if we made it last (a seller's edit right after our write carries the
  // same stamp).
  const changedAt = Date.parse(change.systemModstamp);
  const recordedAt = Date.parse(link.sfSystemModstamp);
  return changedAt < recordedAt || (changedAt === recordedAt && change.changedByConnector);
}
