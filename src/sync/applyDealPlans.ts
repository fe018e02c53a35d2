/**
 * Applies a batch of deal plans: Partner Center writes per deal (bounded parallel; a new referral's create intent
 * is stored first, so a crash never makes two), then every deal's Salesforce writes in bulk, then the batch's
 * links, bases and audit entries in one store transaction. Each per-record result maps back to its own deal: a
 * field Salesforce refuses is left out and shown on the record (✖, Sync Status Error, Audit) with the fix, and
 * the base keeps Salesforce's view of it, so nothing is reverted and a retry completes it once fixed.
 */
import type { CoSellDeal } from '../domain/coSellDeal.ts';
import type { AuditDraft, DealPlan, LinkUpdate } from '../domain/dealPlan.ts';
import { markFields } from '../domain/plan/planParts.ts';
import { planDeal } from '../domain/planDeal.ts';
import type { ReferralVersion } from '../partner-center/referralWire.ts';
import { UpstreamError } from '../shared/upstreamError.ts';
import type { LinkRow } from '../store/store.ts';
import { boundedSettle } from './boundedMap.ts';
import type { DealSyncDeps, DealSyncResult } from './dealSyncContext.ts';
import { auditEntryFrom, newLinkFrom, type PlannedDeal, resultOf } from './plannedDeal.ts';
import { type DealRead, planReferralOf } from './readDealBatch.ts';
import type { SalesforceWriteError, SalesforceWriteResult } from './syncPorts.ts';

export type AppliedOutcome =
  | {
      ok: true;
      result: DealSyncResult;
      /**
       * A new opportunity's deal as it now stands — the link as saved, the referral as read, the opportunity as
       * Salesforce saved it — for its follow-up sync to plan from without reading either side again.
       */
      settle?: DealRead;
    }
  | { ok: false; error: unknown };

interface Work extends PlannedDeal {
  link: LinkRow | null;
  /** The plan whose Salesforce writes and link state apply (the follow-up plan after a referral create). */
  final: DealPlan;
  /** The referral's version after this batch wrote it (the new referral, after a create). */
  referral: ReferralVersion | null;
  error: unknown;
  salesforce: SalesforceWriteResult | null;
  /** Problems shown on the record: the deal was saved without these parts. */
  problems: { message: string; code: string; dealField: string | null; fields: string[] }[];
}

const describeRefusal = (what: string, error: SalesforceWriteError): string => {
  const fields = error.fields.length ? ` [${error.fields.join(', ')}]` : '';
  return `Salesforce refused ${what}: ${error.message.replace(/[.\s]+$/, '')} (${error.code}${fields}). To fix: ${error.fix}.`;
};

export async function applyDealPlans(
  deps: DealSyncDeps,
  deals: readonly PlannedDeal[],
): Promise<AppliedOutcome[]> {
  const work: Work[] = deals.map((deal) => ({
    ...deal,
    link: deal.read.link,
    final: deal.plan,
    referral: null,
    error: null,
    salesforce: null,
    problems: [],
  }));
  await recordWriteIntents(deps, work);
  await writePartnerCenter(deps, work);
  await writeSalesforce(deps, work);
  return saveOutcomes(deps, work);
}

/**
 * Before anything is written to the other side, the link records the intent, so a job that dies after the call and
 * before the store transaction is recovered by the next run: a create is found and linked, an update's changes are
 * found landed and audited (see landedChanges). One store transaction per batch.
 */
async function recordWriteIntents(deps: DealSyncDeps, work: Work[]): Promise<void> {
  // Either kind of create records its intent, with the deal being sent as the base: if the answer is lost (or the
  // process dies) after the other side saved it, the next run finds the record (the opportunity by its referral id,
  // the referral by its externalReferenceId) and merges against that base, so an edit made in between is kept.
  // A create sent again (its first attempt failed or was lost), or from a link that exists (a deal refused before),
  // makes the link a pending intent with what it sends now.
  const creating = work.filter(
    (entry) =>
      entry.plan.partnerCenter?.op === 'create' || entry.plan.salesforce?.opportunity?.op === 'create',
  );
  const updating = work.flatMap((entry) => {
    const changes = [...entry.plan.landed, ...entry.plan.toSalesforce, ...entry.plan.toPartnerCenter];
    const writes = entry.plan.partnerCenter !== null || entry.plan.salesforce !== null;
    return entry.link && writes && changes.length ? [{ entry, link: entry.link, changes }] : [];
  });
  if (creating.length === 0 && updating.length === 0) return;
  const startedAt = deps.clock.now().toISOString();
  await deps.store.transaction(async (tx) => {
    for (const { entry, link, changes } of updating)
      entry.link = await tx.links.update(link.id, { pendingWrite: { startedAt, changes } });
    for (const entry of creating) {
      const create = entry.plan.partnerCenter;
      const intent =
        create?.op === 'create'
          ? { opportunityId: create.opportunityId, base: entry.plan.merged, state: 'pending' as const }
          : {
              referralId: entry.plan.referralId,
              engagementId: entry.plan.link?.engagementId ?? null,
              base: entry.plan.link?.base ?? null,
              state: 'pending' as const,
            };
      entry.link = entry.link
        ? await tx.links.update(entry.link.id, { base: intent.base, state: intent.state })
        : await tx.links.insert(newLinkFrom(deps, entry.read, intent));
    }
  });
}

async function writePartnerCenter(deps: DealSyncDeps, work: Work[]): Promise<void> {
  const writing = work.filter((entry) => entry.plan.partnerCenter !== null);
  await boundedSettle(writing, deps.partnerCenterConcurrency ?? 8, async (entry) => {
    const write = entry.plan.partnerCenter;
    try {
      if (write?.op === 'patch') {
        entry.referral = await deps.partnerCenter.patchReferral(
          write.referralId,
          write.operations,
          write.eTag,
        );
        return;
      }
      if (write?.op !== 'create') return;
      const referral = await deps.partnerCenter.createReferral(write.body);
      entry.referral = referral;
      // The new referral may differ from what was sent (ids, the CRM id, values Partner Center normalised): the
      // follow-up plan merges it against the deal just sent, and its Salesforce writes join the batch's.
      const link = entry.link;
      entry.final = await planDeal({
        link: link ? { ...link, referralId: referral.id, base: entry.plan.merged, state: 'synced' } : null,
        referral: planReferralOf(referral),
        related: [],
        opportunity: entry.read.opportunity,
        mapping: deps.mapping,
        org: { notesAvailable: await deps.salesforce.notesAvailable() },
        trigger: entry.read.request.trigger,
        now: deps.clock.now(),
      });
      const settle = entry.final.partnerCenter;
      if (settle?.op === 'patch')
        entry.referral = await deps.partnerCenter.patchReferral(
          referral.id,
          settle.operations,
          referral.eTag,
        );
    } catch (error) {
      entry.error = error;
    }
  });
}

async function writeSalesforce(deps: DealSyncDeps, work: Work[]): Promise<void> {
  const writing = work.filter((entry) => entry.error === null && entry.final.salesforce !== null);
  if (writing.length === 0) return;
  let results: SalesforceWriteResult[];
  try {
    results = await deps.salesforce.applyWrites(writing.map((entry) => entry.final.salesforce!));
  } catch (error) {
    for (const entry of writing) entry.error = error;
    return;
  }
  const marks: { entry: Work; fields: Record<string, unknown> }[] = [];
  writing.forEach((entry, i) => {
    const result = results[i]!;
    entry.salesforce = result;
    if (result.error && result.error.kind !== 'permanent') {
      entry.error = new UpstreamError({
        kind: result.error.kind,
        upstream: 'salesforce',
        code: result.error.code,
        // A conflict (the opportunity moved since it was read) is no refusal: the retry reads and merges again.
        message:
          result.error.kind === 'conflict'
            ? `${result.error.message}.`
            : describeRefusal('the opportunity', result.error),
      });
      return;
    }
    if (result.error)
      entry.problems.push({
        message: describeRefusal('the opportunity', result.error),
        code: result.error.code,
        dealField: null,
        fields: result.error.fields,
      });
    for (const dropped of result.dropped)
      entry.problems.push({
        message: describeRefusal(dropped.what, dropped.error),
        code: dropped.error.code,
        dealField: dropped.dealField ?? null,
        fields: dropped.fields,
      });
    if (entry.problems.length && result.opportunityId) {
      const current = entry.read.opportunity?.snapshot.opportunity ?? null;
      marks.push({
        entry,
        fields: markFields(
          deps.mapping,
          current,
          false,
          entry.problems.map((problem) => problem.message).join(' '),
          deps.clock.now(),
        ),
      });
    }
  });
  // The record shows what was left out and the fix: one more collection call, only when something was refused.
  if (marks.length) {
    const errors = await deps.salesforce
      .updateOpportunities(
        marks.map((mark) => ({ opportunityId: mark.entry.salesforce!.opportunityId!, fields: mark.fields })),
      )
      .catch((error: unknown) => marks.map(() => error));
    errors.forEach((error, i) => {
      if (error) deps.logger.warn({ err: error }, 'could not mark the opportunity with the sync error');
      else {
        // The mark changed the opportunity: what was read back after the writes is no longer what it holds.
        marks[i]!.entry.salesforce!.systemModstamp = null;
        delete marks[i]!.entry.salesforce!.read;
      }
    });
  }
}

/** The next base: what both sides now hold. Parts Salesforce refused keep their earlier value. */
function baseAfter(deps: DealSyncDeps, entry: Work): CoSellDeal | null {
  const merged = (entry.final.link?.base as CoSellDeal | null | undefined) ?? entry.final.merged;
  if (!merged) return null;
  const before = (entry.read.link?.base as CoSellDeal | null | undefined) ?? null;
  const refusedFields = new Set(entry.problems.flatMap((problem) => problem.fields));
  const refusedDealFields = new Set(entry.problems.map((problem) => problem.dealField).filter(Boolean));
  const out: Record<string, unknown> = { ...merged };
  for (const [field, spec] of Object.entries(deps.mapping.fields)) {
    const apiName = 'salesforceField' in spec ? spec.salesforceField : null;
    if ((apiName && refusedFields.has(apiName)) || refusedDealFields.has(field))
      out[field] = before ? (before as unknown as Record<string, unknown>)[field] : null;
  }
  return out as unknown as CoSellDeal;
}

async function saveOutcomes(deps: DealSyncDeps, work: Work[]): Promise<AppliedOutcome[]> {
  const saved = await deps.store
    .transaction(async (tx) => {
      const rows: (LinkRow | null)[] = [];
      for (const entry of work) {
        if (entry.error !== null) {
          rows.push(null);
          continue;
        }
        const next = linkUpdateOf(deps, entry);
        let row = entry.link;
        if (next) {
          row = row
            ? await tx.links.update(row.id, next)
            : await tx.links.insert(newLinkFrom(deps, entry.read, next));
        }
        const audit = auditOf(entry);
        if (audit) {
          await tx.audit.append(
            auditEntryFrom(
              deps,
              {
                linkId: row?.id ?? null,
                referralId: row?.referralId ?? entry.final.referralId ?? entry.plan.referralId,
                opportunityId: row?.opportunityId ?? entry.final.opportunityId ?? entry.plan.opportunityId,
              },
              audit,
            ),
          );
        }
        rows.push(row);
      }
      return rows;
    })
    .catch((error: unknown) => error);
  if (!Array.isArray(saved)) return work.map(() => ({ ok: false, error: saved }));
  return work.map((entry, i) => {
    if (entry.error !== null) return { ok: false, error: entry.error };
    const row = saved[i] as LinkRow | null;
    const readBack = entry.plan.action === 'create_opportunity' ? entry.salesforce?.read : undefined;
    return {
      ok: true,
      ...(readBack && row && entry.read.referral && entry.read.referral.id === row.referralId
        ? {
            settle: {
              request: entry.read.request,
              link: row,
              referral: entry.read.referral,
              related: entry.read.related,
              opportunity: readBack,
            },
          }
        : {}),
      result: resultOf(entry.read, entry.plan, {
        action: entry.problems.length && !entry.salesforce?.opportunityId ? 'invalid' : entry.plan.action,
        linkId: row?.id ?? entry.plan.linkId,
        referralId: row?.referralId ?? entry.referral?.id ?? entry.plan.referralId,
        opportunityId: row?.opportunityId ?? entry.salesforce?.opportunityId ?? entry.plan.opportunityId,
        toSalesforce: [
          ...entry.plan.toSalesforce,
          ...(entry.final === entry.plan ? [] : entry.final.toSalesforce),
        ],
        toPartnerCenter: [
          ...entry.plan.toPartnerCenter,
          ...(entry.final === entry.plan ? [] : entry.final.toPartnerCenter),
        ],
        conflicts: entry.final.conflicts,
        message: messageOf(entry),
      }),
    };
  });
}

/** The link's next state: the plan's, with what applying it learned (ids, eTag, SystemModstamp, refusals). */
function linkUpdateOf(deps: DealSyncDeps, entry: Work): LinkUpdate | null {
  const planned = entry.final.link ?? entry.plan.link;
  if (!planned) return null;
  const opportunityId = entry.salesforce?.opportunityId ?? planned.opportunityId;
  if (entry.problems.length && !entry.salesforce?.opportunityId && !entry.link) {
    // Nothing was saved in Salesforce and there is no link yet: record the refusal on a link so the deal is seen.
    const error = { code: entry.problems[0]!.code, message: entry.problems.map((p) => p.message).join(' ') };
    return { ...planned, base: null, state: 'error', lastError: error };
  }
  const next: LinkUpdate = {
    ...planned,
    ...(opportunityId ? { opportunityId } : {}),
    ...(entry.referral
      ? {
          referralId: entry.referral.id,
          pcETag: entry.referral.eTag,
          engagementId: entry.referral.engagementId,
        }
      : {}),
    ...(entry.salesforce ? { sfSystemModstamp: entry.salesforce.systemModstamp } : {}),
  };
  if (planned.base !== undefined) next.base = baseAfter(deps, entry);
  if (entry.problems.length) {
    next.state = 'error';
    next.lastError = {
      code: entry.problems[0]!.code,
      message: entry.problems.map((p) => p.message).join(' '),
    };
  }
  return next;
}

function messageOf(entry: Work): string {
  const { plan } = entry;
  const problems = entry.problems.map((problem) => problem.message).join(' ');
  const referralId = entry.referral?.id ?? plan.referralId;
  const opportunityId = entry.salesforce?.opportunityId ?? plan.opportunityId;
  let message = plan.message;
  if (plan.action === 'create_opportunity')
    message = opportunityId
      ? `${entry.salesforce?.created === false ? 'Linked' : 'Created'} opportunity ${opportunityId} from referral ${referralId}.`
      : `Could not create an opportunity for referral ${referralId}.`;
  else if (plan.action === 'create_referral') {
    message = `Created referral ${referralId} from opportunity ${opportunityId}.`;
    if (entry.final !== plan && entry.final.action === 'update')
      message = `${message} ${entry.final.message}`;
  } else if (plan.action === 'pause') message = 'Paused the link: Sync with Partner Center was un-ticked.';
  const planError = plan.link?.lastError?.message;
  if (planError && plan.action === 'create_opportunity') message = `${message} ${planError}`;
  return problems ? `${message} ${problems}` : message;
}

function auditOf(entry: Work): AuditDraft | null {
  const { plan, final } = entry;
  const base = plan.audit;
  if (!base && entry.problems.length === 0) return null;
  const changes = [...(base?.changes ?? []), ...(final === plan ? [] : (final.audit?.changes ?? []))];
  const error = entry.problems.length
    ? { code: entry.problems[0]!.code, message: entry.problems.map((p) => p.message).join(' ') }
    : (base?.error ?? null);
  return {
    trigger: entry.read.request.trigger,
    direction:
      base?.direction === 'toPartnerCenter' && final !== plan && final.toSalesforce.length
        ? 'both'
        : (base?.direction ?? 'none'),
    outcome: entry.problems.length ? 'error' : (base?.outcome ?? 'ok'),
    changes,
    message:
      plan.action === 'create_opportunity' || plan.action === 'create_referral' || entry.problems.length
        ? messageOf(entry)
        : (base?.message ?? messageOf(entry)),
    ...(error ? { error } : {}),
  };
}
