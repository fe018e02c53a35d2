import type { CoSellDeal } from '../domain/coSellDeal.ts';
import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';
import type { DomainError } from '../shared/result.ts';
import type { DealState } from './dealState.ts';
import type { DealSyncDeps, DealSyncInput, DealSyncResult } from './dealSyncContext.ts';
import { saveLinkError } from './saveLink.ts';
import { syncResult } from './syncResult.ts';

/** Single-currency orgs cannot hold another currency's amount: refuse it rather than write a wrong number. */
export function currencyProblem(mapping: Mapping, deal: CoSellDeal): DomainError | null {
  if (
    mapping.currency.mode !== 'orgCurrency' ||
    !deal.currency ||
    deal.currency === mapping.currency.orgCurrency
  )
    return null;
  return {
    code: 'currency_mismatch',
    path: 'currency',
    message: `The referral's deal value is in ${deal.currency} but Salesforce is a single-currency org in ${mapping.currency.orgCurrency}; it was not synced so no amount is silently wrong. Ask for the referral in ${mapping.currency.orgCurrency}, or enable multi-currency in Salesforce (currency.mode: multiCurrency).`,
  };
}

/** A referral that cannot be brought into Salesforce: recorded on the link and in the audit, no write, no retry. */
export async function refuseReferral(
  deps: DealSyncDeps,
  input: DealSyncInput,
  state: DealState,
  referral: PcReferral,
  problem: DomainError,
): Promise<DealSyncResult> {
  const ids = { referralId: referral.id, opportunityId: state.link?.opportunityId ?? null };
  if (input.dryRun)
    return syncResult(input, {
      ...ids,
      linkId: state.link?.id ?? null,
      action: 'invalid',
      message: problem.message,
    });
  const saved = await saveLinkError(
    deps,
    state.link,
    { referralId: referral.id, engagementId: referral.engagementId },
    {
      trigger: input.trigger,
      error: { code: problem.code, message: problem.message },
      auditMessage: `Not synced to Salesforce: ${problem.message}`,
    },
  );
  return syncResult(input, { ...ids, linkId: saved.id, action: 'invalid', message: problem.message });
}
