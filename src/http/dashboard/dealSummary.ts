/** A deal list row as the dashboard shows it: names and amounts from the base snapshot, the true sync state, links. */

import type { Mapping } from '../../domain/mapping/mappingSchema.ts';
import { isReferralStatus, isReferralSubstatus, stageFromStatus } from '../../domain/referralStatus.ts';
import type { DeadLetterRow, DealListRow } from '../../store/store.ts';
import type { DealSummary } from '../adminTypes.ts';
import { problemFix } from './problemFix.ts';

export interface DealLinks {
  /** The Salesforce instance URL (Lightning record pages hang off it), or null before sign-in. */
  salesforceInstanceUrl: () => string | null;
  referralUrlTemplate: string;
}

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

export function dealSummary(
  row: DealListRow,
  deadLetter: DeadLetterRow | null,
  mapping: Mapping,
  links: DealLinks,
): DealSummary {
  const { link } = row;
  const base = record(link.base);
  const status = base['status'];
  const substatus = base['substatus'];
  const hasStatus = isReferralStatus(status) && isReferralSubstatus(substatus);
  const instanceUrl = links.salesforceInstanceUrl();
  const objectName = link.salesforceObject === 'lead' ? 'Lead' : 'Opportunity';
  const problem = deadLetter
    ? {
        code: deadLetter.errorKind,
        message: `Sync job failed ${deadLetter.attempts} time(s) and was dead-lettered: ${deadLetter.errorMessage}`,
        fix: problemFix(deadLetter.errorKind),
      }
    : link.lastError && (link.state === 'error' || link.state === 'conflict')
      ? { ...link.lastError, fix: problemFix(link.lastError.code) }
      : null;
  return {
    linkId: link.id,
    referralId: link.referralId,
    opportunityId: link.opportunityId,
    salesforceObject: link.salesforceObject,
    name: text(base['name']),
    account: text(record(base['customer'])['name']),
    amount: typeof base['dealValue'] === 'number' ? base['dealValue'] : null,
    currency: text(base['currency']),
    status: hasStatus ? `${status}/${substatus}` : null,
    stage: hasStatus ? stageFromStatus(status, substatus, mapping, null) : null,
    direction: text(base['direction']),
    syncState: row.deadLetterId ? 'deadLettered' : link.state,
    problem,
    deadLetterId: row.deadLetterId,
    lastSyncAt: row.lastSyncAt,
    lastTrigger: row.lastTrigger,
    updatedAt: link.updatedAt,
    salesforceUrl:
      instanceUrl && link.opportunityId
        ? `${instanceUrl.replace(/\/+$/, '')}/lightning/r/${objectName}/${encodeURIComponent(link.opportunityId)}/view`
        : null,
    partnerCenterUrl: link.referralId
      ? links.referralUrlTemplate.replaceAll('{referralId}', encodeURIComponent(link.referralId))
      : null,
  };
}
