/**
 * The verdict of a chaos run, from both emulators' final state, the connector's store and its deal trace:
 * every deal is one linked pair with equal fields; no duplicate opportunity, referral, account or contact; no
 * lost update (the last write to each edited field is on both sides, or its conflict is audited); no deal
 * processed by two jobs at once; dead letters only for permanent errors; an audit entry for every write.
 */
import type { AuditEntry, DeadLetterRow, LinkRow } from '../../src/store/store.ts';
import { expectedOpportunityFields } from '../support/dealConvergence.ts';
import { type DealTraceLine, findDealOverlaps, tracedJobs } from '../support/dealTraceOverlaps.ts';
import type { ChaosDeal, Customer, Edit, EditedField, Side } from './chaosWorkload.ts';

type Row = Record<string, unknown>;

export interface FinalState {
  referrals: Row[];
  opportunities: Row[];
  accounts: Row[];
  contacts: Row[];
  links: LinkRow[];
  audit: AuditEntry[];
  deadLetters: DeadLetterRow[];
  trace: DealTraceLine[];
  processEndedAt: ReadonlyMap<number, number>;
}

export interface CheckFigures {
  deals: number;
  edits: number;
  converged: number;
  duplicateOpportunities: number;
  duplicateReferrals: number;
  duplicateAccounts: number;
  duplicateContacts: number;
  lostUpdates: number;
  conflictsAudited: number;
  overlappingJobs: number;
  dealJobs: number;
  jobsCutOff: number;
  deadLetters: number;
  deadLettersNotPermanent: number;
  writesWithoutAudit: number;
}

/** What a problem breaks: the checks are reported (and can be enforced) per invariant. */
export const INVARIANTS = {
  lostDeal: 'every deal exists on both sides',
  converged: 'every linked pair is equal under the mapping, with a synced link',
  duplicateRecords: 'no duplicate opportunity or referral',
  duplicateCustomers: 'no duplicate account or contact',
  lostUpdate: 'no lost update (the last write wins, or its conflict is audited)',
  overlap: 'no deal processed by two jobs at once',
  deadLetter: 'dead letters only for permanent errors',
  audit: 'an audit entry for every write',
  connector: 'the connector stays up, quiesces and stops cleanly',
  run: 'the run itself could act',
} as const;
export type Invariant = keyof typeof INVARIANTS;

export interface ChaosProblem {
  invariant: Invariant;
  message: string;
}

export interface Verdict {
  figures: CheckFigures;
  problems: ChaosProblem[];
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function referralValue(referral: Row, field: EditedField): unknown {
  const details = (referral['details'] ?? {}) as Row;
  return field === 'name' ? referral['name'] : details[field];
}

/** Groups rows by a key and counts the rows beyond the first of each group; lists the groups. */
function extras(
  rows: readonly Row[],
  keyOf: (row: Row) => string | null,
): { count: number; groups: string[] } {
  const groups = new Map<string, string[]>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key === null) continue;
    groups.set(key, [...(groups.get(key) ?? []), String(row['Id'])]);
  }
  const duplicated = [...groups].filter(([, ids]) => ids.length > 1);
  return {
    count: duplicated.reduce((sum, [, ids]) => sum + ids.length - 1, 0),
    groups: duplicated.map(([key, ids]) => `${key}: ${ids.join(', ')}`),
  };
}

/** A deal's audit trail in one line per entry, oldest first, for a problem report. */
function auditTrail(entries: readonly AuditEntry[]): string {
  return [...entries]
    .sort((a, b) => a.at.localeCompare(b.at))
    .map(
      (entry) =>
        `\n    ${entry.at} ${entry.trigger} ${entry.outcome}: ${entry.changes.map((change) => `${change.field}→${change.side} ${JSON.stringify(change.before)}→${JSON.stringify(change.after)}`).join(', ') || entry.message}`,
    )
    .join('');
}

/** The edits of a deal, oldest first, for a problem report. */
function editTrail(edits: readonly Edit[]): string {
  return [...edits]
    .sort((a, b) => a.at - b.at)
    .map(
      (edit) =>
        `\n    ${new Date(edit.at).toISOString()} ${edit.side} ${edit.field} = ${JSON.stringify(edit.value)}`,
    )
    .join('');
}

export function checkChaosRun(
  workload: { deals: readonly ChaosDeal[]; edits: readonly Edit[]; customers: readonly Customer[] },
  state: FinalState,
): Verdict {
  const problems: ChaosProblem[] = [];
  const problem = (invariant: Invariant, message: string) => problems.push({ invariant, message });
  const figures: CheckFigures = {
    deals: workload.deals.length,
    edits: workload.edits.length,
    converged: 0,
    duplicateOpportunities: 0,
    duplicateReferrals: 0,
    duplicateAccounts: 0,
    duplicateContacts: 0,
    lostUpdates: 0,
    conflictsAudited: 0,
    overlappingJobs: 0,
    dealJobs: 0,
    jobsCutOff: 0,
    deadLetters: state.deadLetters.length,
    deadLettersNotPermanent: 0,
    writesWithoutAudit: 0,
  };
  const opportunitiesByReferral = new Map<string, Row[]>();
  for (const opportunity of state.opportunities) {
    const referralId = opportunity['Partner_Center_Referral_Id__c'];
    if (typeof referralId === 'string' && referralId)
      opportunitiesByReferral.set(referralId, [
        ...(opportunitiesByReferral.get(referralId) ?? []),
        opportunity,
      ]);
  }
  const referralsByOpportunity = new Map<string, Row[]>();
  for (const referral of state.referrals) {
    const opportunityId = referral['externalReferenceId'];
    if (typeof opportunityId === 'string' && opportunityId)
      referralsByOpportunity.set(opportunityId, [
        ...(referralsByOpportunity.get(opportunityId) ?? []),
        referral,
      ]);
  }
  const auditByDeal = (referralId: string, opportunityId: string) =>
    state.audit.filter((entry) => entry.referralId === referralId || entry.opportunityId === opportunityId);
  const claimedOpportunities = new Set<string>();
  const claimedReferrals = new Set<string>();

  for (const deal of workload.deals) {
    const label = `deal ${deal.index} (${deal.origin === 'microsoft' ? `referral ${deal.referralId}` : `opportunity ${deal.opportunityId}`})`;
    let referral: Row | undefined;
    let opportunity: Row | undefined;
    if (deal.origin === 'microsoft') {
      referral = state.referrals.find((item) => item['id'] === deal.referralId);
      const matches = opportunitiesByReferral.get(String(deal.referralId)) ?? [];
      if (matches.length > 1) {
        figures.duplicateOpportunities += matches.length - 1;
        problem(
          'duplicateRecords',
          `${label}: ${matches.length} opportunities (${matches.map((row) => row['Id']).join(', ')})`,
        );
      }
      opportunity = matches[0];
    } else {
      opportunity = state.opportunities.find((item) => item['Id'] === deal.opportunityId);
      const matches = referralsByOpportunity.get(String(deal.opportunityId)) ?? [];
      if (matches.length > 1) {
        figures.duplicateReferrals += matches.length - 1;
        problem(
          'duplicateRecords',
          `${label}: ${matches.length} referrals (${matches.map((row) => row['id']).join(', ')})`,
        );
      }
      referral = matches[0];
    }
    if (!referral || !opportunity) {
      problem(
        'lostDeal',
        `${label}: ${referral ? 'no opportunity' : 'no referral'} after quiescence (lost deal)`,
      );
      continue;
    }
    const referralId = String(referral['id']);
    const opportunityId = String(opportunity['Id']);
    claimedOpportunities.add(opportunityId);
    claimedReferrals.add(referralId);
    const dealProblems: string[] = [];
    if (opportunity['Partner_Center_Referral_Id__c'] !== referralId)
      dealProblems.push(
        `opportunity carries referral id ${String(opportunity['Partner_Center_Referral_Id__c'])}`,
      );
    if (referral['externalReferenceId'] !== opportunityId)
      dealProblems.push(`referral points at ${String(referral['externalReferenceId'])}`);
    for (const [field, value] of Object.entries(expectedOpportunityFields(referral))) {
      if (!sameValue(opportunity[field], value))
        dealProblems.push(
          `${field} is ${JSON.stringify(opportunity[field])} in Salesforce, ${JSON.stringify(value)} in Partner Center`,
        );
    }
    const link = state.links.find(
      (item) => item.referralId === referralId || item.opportunityId === opportunityId,
    );
    if (!link) dealProblems.push('no link in the store');
    else if (
      link.referralId !== referralId ||
      link.opportunityId !== opportunityId ||
      link.state !== 'synced'
    )
      dealProblems.push(
        `link ${link.id} is ${link.state} for referral ${link.referralId} ↔ opportunity ${link.opportunityId}`,
      );
    if (dealProblems.length) problem('converged', `${label} did not converge: ${dealProblems.join('; ')}`);
    else figures.converged += 1;

    const audit = auditByDeal(referralId, opportunityId);
    if (!audit.some((entry) => entry.outcome === 'ok' || entry.outcome === 'conflict')) {
      figures.writesWithoutAudit += 1;
      problem('audit', `${label}: the connector created its other side but no audit entry says so`);
    }
    // Lost updates: per edited field, the last write wins, or the conflict is in the audit trail.
    const edits = workload.edits.filter((edit) => edit.deal === deal.index);
    for (const field of new Set(edits.map((edit) => edit.field))) {
      const fieldEdits = edits.filter((edit) => edit.field === field).sort((a, b) => a.at - b.at);
      const last = fieldEdits[fieldEdits.length - 1] as Edit;
      const final = referralValue(referral, field);
      const conflict = audit.some(
        (entry) => entry.outcome === 'conflict' && new RegExp(`\\b${field}\\b`).test(entry.message),
      );
      if (!sameValue(final, last.value)) {
        if (conflict && fieldEdits.some((edit) => sameValue(edit.value, final)))
          figures.conflictsAudited += 1;
        else {
          figures.lostUpdates += 1;
          problem(
            'lostUpdate',
            `${label}: lost update of ${field}: the last write was ${JSON.stringify(last.value)} in ${last.side} at ${new Date(last.at).toISOString()}, both sides have ${JSON.stringify(final)}${conflict ? '' : ' and no conflict is audited'}; edits:${editTrail(edits)}\n  audit:${auditTrail(audit)}`,
          );
        }
        continue;
      }
      const writtenTo: Side = last.side === 'salesforce' ? 'partnerCenter' : 'salesforce';
      // Either an update entry lists the value, or the other side was created (with it) after the edit.
      const audited = audit.some(
        (entry) =>
          entry.changes.some((change) => change.side === writtenTo && sameValue(change.after, last.value)) ||
          (/^Created /.test(entry.message) && Date.parse(entry.at) >= last.at),
      );
      if (!audited) {
        figures.writesWithoutAudit += 1;
        problem(
          'audit',
          `${label}: ${field} ${JSON.stringify(last.value)} reached ${writtenTo} but no audit entry records that write; edits:${editTrail(edits)}\n  audit:${auditTrail(audit)}`,
        );
      }
    }
  }

  for (const opportunity of state.opportunities) {
    if (!claimedOpportunities.has(String(opportunity['Id']))) {
      figures.duplicateOpportunities += 1;
      problem(
        'duplicateRecords',
        `opportunity ${String(opportunity['Id'])} "${String(opportunity['Name'])}" (referral id ${String(opportunity['Partner_Center_Referral_Id__c'])}) belongs to no deal`,
      );
    }
  }
  for (const referral of state.referrals) {
    if (!claimedReferrals.has(String(referral['id']))) {
      figures.duplicateReferrals += 1;
      problem(
        'duplicateRecords',
        `referral ${String(referral['id'])} "${String(referral['name'])}" (externalReferenceId ${String(referral['externalReferenceId'])}) belongs to no deal`,
      );
    }
  }
  const accounts = extras(state.accounts, (row) =>
    typeof row['Name'] === 'string'
      ? `${row['Name'].trim().toLowerCase()}|${String(row['BillingPostalCode'] ?? '')}`
      : null,
  );
  figures.duplicateAccounts = accounts.count;
  for (const group of accounts.groups) problem('duplicateCustomers', `duplicate accounts ${group}`);
  const contacts = extras(state.contacts, (row) =>
    typeof row['Email'] === 'string' ? row['Email'].trim().toLowerCase() : null,
  );
  figures.duplicateContacts = contacts.count;
  for (const group of contacts.groups) problem('duplicateCustomers', `duplicate contacts ${group}`);

  const jobs = tracedJobs(state.trace, state.processEndedAt);
  figures.dealJobs = jobs.length;
  figures.jobsCutOff = jobs.filter((job) => job.cutOff).length;
  const overlaps = findDealOverlaps(state.trace, state.processEndedAt);
  figures.overlappingJobs = overlaps.length;
  for (const overlap of overlaps) {
    const describe = (job: (typeof overlaps)[number]['first']) =>
      `job ${job.job} (pid ${job.pid}, ${new Date(job.startMs).toISOString()} → ${job.endMs === null ? '?' : new Date(job.endMs).toISOString()}${job.cutOff ? ', cut off' : ''})`;
    problem(
      'overlap',
      `deal ${overlap.deal.join(' / ')} processed by two jobs at once: ${describe(overlap.first)} and ${describe(overlap.second)}`,
    );
  }
  for (const row of state.deadLetters) {
    if (row.errorKind === 'permanent') continue;
    figures.deadLettersNotPermanent += 1;
    problem(
      'deadLetter',
      `dead letter ${row.id} (${row.jobName} ${row.jobKey}, ${row.attempts} attempts) for a ${row.errorKind} error: ${row.errorMessage}`,
    );
  }
  return { figures, problems };
}
