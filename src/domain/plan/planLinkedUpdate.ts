/** Both sides exist: 3-way merge against the base, write the difference, pause/resume by the Sync box. */

import type { DomainError } from '../../shared/result.ts';
import { type CoSellDeal, type DealField, statusText } from '../coSellDeal.ts';
import type { AuditChange, DealPlan, DealPlanInput, PlanOpportunity, PlanReferral } from '../dealPlan.ts';
import { accountFields } from '../mapping/accountFields.ts';
import { accountMatchKey } from '../mapping/accountMatchKey.ts';
import { type ChildCollection, childChanges } from '../mapping/childChanges.ts';
import { dealFromReferral } from '../mapping/dealFromReferral.ts';
import { dealFromSalesforce } from '../mapping/dealFromSalesforce.ts';
import { type JsonPatchOperation, referralPatchOps } from '../mapping/referralPatchOps.ts';
import { salesforceOpportunityFields } from '../mapping/salesforceOpportunityFields.ts';
import { partnerCenterTransformOperations, salesforceTransformFields } from '../mapping/transformValues.ts';
import { baseWithConflictsSeen, mergeDeals } from '../mergeDeals.ts';
import { currentSyncStatus } from '../salesforceBookkeeping.ts';
import { validateDeal } from '../validateDeal.ts';
import { currencyProblem } from './currencyProblem.ts';
import { landedChanges } from './landedChanges.ts';
import { planNotes } from './planNotes.ts';
import {
  auditChanges,
  creationChanges,
  emptyPlan,
  errorOutcome,
  invalidPlan,
  markFields,
  textOrNull,
} from './planParts.ts';

const CHILD_FIELDS: readonly ChildCollection[] = ['customerContacts', 'solutions', 'partnerTeam'];

export async function planLinkedUpdate(
  input: DealPlanInput,
  referral: PlanReferral,
  opportunity: PlanOpportunity,
): Promise<DealPlan> {
  const { mapping, link } = input;
  const ids = { referralId: referral.id, opportunityId: opportunity.opportunityId, linkId: link?.id ?? null };

  if (!opportunity.syncEnabled && link) {
    if (link.state === 'paused')
      return emptyPlan({
        ...ids,
        action: 'noop',
        message: 'Link is paused (Sync with Partner Center is not ticked).',
      });
    return emptyPlan({
      ...ids,
      action: 'pause',
      message: 'Pause the link: Sync with Partner Center was un-ticked.',
      link: { state: 'paused' },
      audit: {
        trigger: input.trigger,
        direction: 'none',
        outcome: 'skipped',
        changes: [],
        message: `Paused: Sync with Partner Center was un-ticked on opportunity ${opportunity.opportunityId}. Tick it again to resume.`,
      },
    });
  }

  const pcDeal = dealFromReferral(referral.input, mapping, { relatedReferrals: [...input.related] });
  const sfDeal = dealFromSalesforce(opportunity.snapshot, mapping);
  // An opportunity create that was interrupted after Salesforce saved it: this run links it. Its base is what
  // the create meant to write; the opportunity itself is saved whole, but its child records may not all have
  // been: what Salesforce lacks of them was never written (not removed by a seller), so it is merged as unchanged
  // in Salesforce and Partner Center's children are written again.
  const interrupted = link?.state === 'pending' && link.opportunityId === null;
  // Likewise a referral create whose answer never came back (or whose job was given up): the link never heard of
  // the referral this run found for its opportunity. Its create was never audited: this run records it.
  const referralCreated =
    link !== null &&
    link.salesforceObject === 'opportunity' &&
    link.referralId === null &&
    link.opportunityId !== null;
  const intended = (link?.base as CoSellDeal | null | undefined) ?? null;
  const base =
    interrupted && intended
      ? {
          ...intended,
          ...Object.fromEntries(CHILD_FIELDS.map((field) => [field, sfDeal[field]])),
        }
      : intended;
  const merge = mergeDeals({
    base,
    partnerCenter: pcDeal,
    salesforce: sfDeal,
    mapping,
    partnerCenterChangedAt: referral.updatedDateTime,
    salesforceChangedAt: opportunity.lastModifiedAt,
  });
  // A value Salesforce cannot hold (another currency in a single-currency org) stays out of both directions,
  // and the base keeps Salesforce's view of it: stable, and completed by a retry once the cause is fixed.
  const currency = currencyProblem(mapping, pcDeal);
  if (currency) {
    const held = (change: { field: string }) => change.field !== 'dealValue' && change.field !== 'currency';
    merge.toSalesforce = merge.toSalesforce.filter(held);
    merge.toPartnerCenter = merge.toPartnerCenter.filter(held);
    merge.merged = { ...merge.merged, dealValue: sfDeal.dealValue, currency: sfDeal.currency };
  }
  // Partner Center takes no change to a closed referral: what Salesforce changed is refused (✖, with why) while
  // what Partner Center changed — the closing itself — still reaches Salesforce. The base keeps Partner Center's
  // values of the refused fields, so the next sync meets the same refusal and has nothing new to say.
  let nextBase = merge.merged;
  const closed = pcDeal.status === 'Closed' ? referralPatchOps(merge.toPartnerCenter, pcDeal, mapping) : null;
  const refusal = closed && !closed.ok ? closed.error : null;
  if (refusal) {
    const refused = Object.fromEntries(
      merge.toPartnerCenter.map((change) => [change.field, pcDeal[change.field]]),
    );
    nextBase = { ...merge.merged, ...refused };
    merge.toPartnerCenter = [];
  }
  const problem = currency ?? refusal;
  // An earlier sync's write that landed although its job died before recording it: recorded now.
  const landed = landedChanges(link?.pendingWrite, base, { partnerCenter: pcDeal, salesforce: sfDeal });
  // What the opportunity and the audit say about it.
  const problemText = currency
    ? currency.message
    : refusal
      ? `Not sent to Partner Center: ${refusal.message}`
      : '';
  const toSalesforce = auditChanges(merge.toSalesforce, 'salesforce');
  const toPartnerCenter = auditChanges(merge.toPartnerCenter, 'partnerCenter');
  const conflicts = merge.conflicts.map((conflict) => ({ field: conflict.field, winner: conflict.winner }));

  // Changes for Partner Center must be legal before any call is made.
  let operations: JsonPatchOperation[] = [];
  if (merge.toPartnerCenter.length) {
    const problems: DomainError[] = [];
    // Un-sharing a referral shared with Microsoft is refused by referralPatchOps (one message, not two).
    const valid = validateDeal(merge.merged, {
      mapping,
      current: { status: pcDeal.status, substatus: pcDeal.substatus },
      changedFields: merge.toPartnerCenter.map((change) => change.field),
    });
    if (!valid.ok) problems.push(...valid.error);
    const patch = referralPatchOps(merge.toPartnerCenter, merge.merged, mapping);
    if (patch.ok) operations = patch.value;
    else problems.push(patch.error);
    if (problems.length) {
      // The conflicts were decided; the next sync must decide them the same way (see baseWithConflictsSeen).
      const seen = base && merge.conflicts.length ? baseWithConflictsSeen(base, merge) : undefined;
      return invalidPlan(input, opportunity, problems, seen);
    }
  }
  operations = [
    ...operations,
    ...(await partnerCenterTransformOperations(mapping, merge.merged, referral.raw)),
  ];

  const resumed = link?.state === 'paused';
  const wroteSomething = toSalesforce.length > 0 || toPartnerCenter.length > 0;
  const message = describeUpdate(toSalesforce, toPartnerCenter, resumed);
  const current = opportunity.snapshot.opportunity;
  const statusChanged = currentSyncStatus(mapping, current) !== (problem ? 'Error' : 'Synced');
  // The status text on the opportunity is how the next read knows Partner Center's status: keep it current.
  const statusTextField = mapping.opportunity.statusTextField;
  const statusTextStale =
    statusTextField !== null &&
    current[statusTextField] !== statusText(merge.merged.status, merge.merged.substatus);
  const salesforceFields: DealField[] = merge.toSalesforce.map((change) => change.field);
  if (statusTextStale && !salesforceFields.includes('status')) salesforceFields.push('status');
  const transformed = await salesforceTransformFields(mapping, merge.merged, current);
  const writesSalesforce =
    salesforceFields.length > 0 || statusChanged || Object.keys(transformed).length > 0;
  const fields = writesSalesforce
    ? {
        ...(salesforceFields.length
          ? salesforceOpportunityFields(merge.merged, mapping, salesforceFields, {
              currentStage: textOrNull(current['StageName']),
            })
          : {}),
        ...transformed,
        ...markFields(
          mapping,
          current,
          problem === null,
          problem ? (toSalesforce.length || currency ? `${message} ${problemText}` : problemText) : message,
          input.now,
          [...toSalesforce, ...toPartnerCenter],
          merge.merged.name,
        ),
      }
    : null;
  const collections = CHILD_FIELDS.filter((field) => salesforceFields.includes(field));
  // A customer change from Partner Center goes to the opportunity's account (found or created when it has none).
  const customer = merge.toSalesforce.some((change) => change.field === 'customer')
    ? merge.merged.customer
    : null;
  const direction = directionOf([...toSalesforce, ...toPartnerCenter, ...landed]);
  const outcome = conflicts.length
    ? 'conflict'
    : wroteSomething || interrupted || referralCreated || landed.length
      ? 'ok'
      : 'noop';
  const landedText = landed.length
    ? `Recorded an earlier sync's write that landed before its job could record it: ${landed.map((change) => `${change.field} to ${change.side === 'salesforce' ? 'Salesforce' : 'Partner Center'}`).join(', ')}.`
    : '';
  const errorAudit = problem
    ? errorOutcome(input, {}, { code: problem.code, message: problem.message }, problemText).audit
    : null;
  return emptyPlan({
    ...ids,
    action: wroteSomething ? 'update' : 'noop',
    message,
    toSalesforce,
    toPartnerCenter,
    conflicts,
    merged: merge.merged,
    landed,
    partnerCenter: operations.length
      ? { op: 'patch', referralId: referral.id, eTag: referral.eTag, operations }
      : null,
    salesforce: fields
      ? {
          account: customer?.name
            ? { match: accountMatchKey(customer), fields: accountFields(customer, mapping) }
            : null,
          opportunity: {
            op: 'update',
            opportunityId: opportunity.opportunityId,
            fields,
            readAs: { systemModstamp: opportunity.systemModstamp, record: current },
          },
          accountId: textOrNull(current['AccountId']),
          children: collections.length
            ? childChanges(mapping, merge.merged, opportunity.snapshot, collections)
            : null,
          notes: planNotes(mapping, input.org.notesAvailable, merge.merged, base, salesforceFields),
        }
      : null,
    link: {
      referralId: referral.id,
      opportunityId: opportunity.opportunityId,
      engagementId: referral.engagementId,
      base: nextBase,
      pcETag: referral.eTag,
      sfSystemModstamp: opportunity.systemModstamp,
      state: problem ? 'error' : 'synced',
      lastError: problem ? { code: problem.code, message: problem.message } : null,
      pendingWrite: null,
    },
    audit: problem
      ? errorAudit || landed.length
        ? {
            ...(errorAudit ?? { trigger: input.trigger, outcome: 'ok', error: null }),
            direction: directionOf(landed),
            changes: landed,
            message: [landedText, errorAudit?.message ?? ''].filter(Boolean).join(' '),
          }
        : null
      : wroteSomething ||
          resumed ||
          !link ||
          interrupted ||
          referralCreated ||
          conflicts.length ||
          landed.length
        ? {
            trigger: input.trigger,
            direction,
            outcome,
            // The interrupted create's own writes were never audited: this entry records them too.
            changes: [
              ...(interrupted && intended
                ? creationChanges(salesforceOpportunityFields(intended, mapping))
                : []),
              ...(referralCreated
                ? [
                    {
                      field: 'referral',
                      side: 'partnerCenter' as const,
                      before: null,
                      after: referral.input.name,
                    },
                  ]
                : []),
              ...landed,
              ...toSalesforce,
              ...toPartnerCenter,
            ],
            // The create comes first: it is what happened to the deal (the earlier write it records came after).
            message: (referralCreated
              ? [
                  `Created referral ${referral.id} from opportunity ${opportunity.opportunityId} (its create was interrupted; this sync found and linked it).`,
                  landedText,
                  message,
                ]
              : interrupted
                ? [
                    `Linked opportunity ${opportunity.opportunityId} from referral ${referral.id} (its create was interrupted).`,
                    landedText,
                    message,
                  ]
                : [
                    landedText,
                    conflicts.length
                      ? `${message} Conflict on ${conflicts.map((conflict) => `${conflict.field} (kept ${conflict.winner})`).join(', ')}.`
                      : landed.length && !wroteSomething
                        ? ''
                        : message,
                  ]
            )
              .filter(Boolean)
              .join(' '),
          }
        : null,
  });
}

function directionOf(changes: readonly AuditChange[]): 'toSalesforce' | 'toPartnerCenter' | 'both' | 'none' {
  const toSalesforce = changes.some((change) => change.side === 'salesforce');
  const toPartnerCenter = changes.some((change) => change.side === 'partnerCenter');
  if (toSalesforce && toPartnerCenter) return 'both';
  return toSalesforce ? 'toSalesforce' : toPartnerCenter ? 'toPartnerCenter' : 'none';
}

function describeUpdate(
  toSalesforce: readonly AuditChange[],
  toPartnerCenter: readonly AuditChange[],
  resumed: boolean,
): string {
  const parts: string[] = [];
  if (resumed) parts.push('Resumed (Sync with Partner Center ticked again).');
  if (toPartnerCenter.length)
    parts.push(`Sent to Partner Center: ${toPartnerCenter.map((change) => change.field).join(', ')}.`);
  if (toSalesforce.length)
    parts.push(`Updated from Partner Center: ${toSalesforce.map((change) => change.field).join(', ')}.`);
  return parts.length ? parts.join(' ') : 'In sync: nothing to write.';
}
