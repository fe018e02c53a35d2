/**
 * What "converged" means for a set of deals, read straight from both emulators: every referral has exactly one
 * opportunity (by the referral-id field), every opportunity that carries a referral id points at a referral
 * that exists and points back (externalReferenceId), and the opportunity's card fields equal the referral's.
 */
import type { Connection } from 'jsforce';
import { emulatorControl } from '../../src/sandbox/emulatorControl.ts';
import { waitFor } from './waitFor.ts';

type Row = Record<string, unknown>;

/** The two sides as a test sees them: Salesforce REST as the seller, the Partner Center control API. */
export interface DealSides {
  seller: Connection;
  urls: { partnerCenter: string; salesforce: string };
}

export interface OpportunityRow {
  Id: string;
  Name: string;
  Amount: number | null;
  CloseDate: string | null;
  Description: string | null;
  Partner_Center_Referral_Id__c: string | null;
}

export async function allReferrals(sides: DealSides): Promise<Row[]> {
  const all = (await emulatorControl(sides.urls.partnerCenter, 'GET', '/__emulator/referrals')) as unknown as
    | Row[]
    | { value?: Row[] };
  return Array.isArray(all) ? all : (all.value ?? []);
}

/** Every opportunity in the org (the emulator starts empty; only tests and the connector create them). */
export async function allOpportunities(sides: DealSides): Promise<OpportunityRow[]> {
  const result = await sides.seller.query<OpportunityRow>(
    'SELECT Id, Name, Amount, CloseDate, Description, Partner_Center_Referral_Id__c FROM Opportunity ORDER BY CreatedDate, Id',
  );
  return result.records.map(
    ({ Id, Name, Amount, CloseDate, Description, Partner_Center_Referral_Id__c }) => ({
      Id,
      Name,
      Amount,
      CloseDate,
      Description,
      Partner_Center_Referral_Id__c,
    }),
  );
}

/** The card fields of a referral as they must appear on its opportunity (default mapping). */
export function expectedOpportunityFields(referral: Row): Partial<OpportunityRow> {
  const details = (referral['details'] ?? {}) as Row;
  return {
    Name: String(referral['name']),
    Amount: (details['dealValue'] as number | undefined) ?? null,
    CloseDate:
      typeof details['closingDateTime'] === 'string' ? details['closingDateTime'].slice(0, 10) : null,
    Description: (details['notes'] as string | undefined) ?? null,
  };
}

export interface ConvergenceReport {
  converged: boolean;
  /** Human-readable reasons it has not converged yet (empty when converged). */
  problems: string[];
  referrals: Row[];
  opportunities: OpportunityRow[];
}

/**
 * Checks the deals named by `referralIds` (and every other referral / linked opportunity in the emulators):
 * one opportunity per referral, one referral per opportunity, ids pointing both ways, fields equal.
 */
export async function checkConvergence(
  sides: DealSides,
  referralIds: readonly string[],
): Promise<ConvergenceReport> {
  const [referrals, opportunities] = await Promise.all([allReferrals(sides), allOpportunities(sides)]);
  const problems: string[] = [];
  for (const referralId of referralIds) {
    if (!referrals.some((referral) => referral['id'] === referralId))
      problems.push(`referral ${referralId} is missing in Partner Center`);
  }
  const byReferral = new Map<string, OpportunityRow[]>();
  for (const opportunity of opportunities) {
    const referralId = opportunity.Partner_Center_Referral_Id__c;
    if (!referralId) {
      problems.push(`opportunity ${opportunity.Id} has no referral id`);
      continue;
    }
    byReferral.set(referralId, [...(byReferral.get(referralId) ?? []), opportunity]);
  }
  for (const referralId of referralIds) {
    const matches = byReferral.get(referralId) ?? [];
    if (matches.length !== 1) {
      problems.push(`referral ${referralId} has ${matches.length} opportunities`);
      continue;
    }
    const [opportunity] = matches as [OpportunityRow];
    const referral = referrals.find((item) => item['id'] === referralId);
    if (!referral) continue;
    if (referral['externalReferenceId'] !== opportunity.Id)
      problems.push(
        `referral ${referralId} points at ${String(referral['externalReferenceId'])}, not at opportunity ${opportunity.Id}`,
      );
    const expected = expectedOpportunityFields(referral);
    for (const [field, value] of Object.entries(expected)) {
      const actual = opportunity[field as keyof OpportunityRow];
      if (actual !== value)
        problems.push(
          `opportunity ${opportunity.Id} ${field} is ${JSON.stringify(actual)}, referral says ${JSON.stringify(value)}`,
        );
    }
  }
  for (const [referralId, matches] of byReferral) {
    if (!referralIds.includes(referralId))
      problems.push(
        `opportunities ${matches.map((item) => item.Id).join(', ')} point at unexpected referral ${referralId}`,
      );
  }
  // One referral per opportunity: no second referral may claim an opportunity.
  const claims = new Map<string, string[]>();
  for (const referral of referrals) {
    const opportunityId = referral['externalReferenceId'];
    if (typeof opportunityId !== 'string' || opportunityId === '') continue;
    claims.set(opportunityId, [...(claims.get(opportunityId) ?? []), String(referral['id'])]);
  }
  for (const [opportunityId, claimants] of claims) {
    if (claimants.length > 1)
      problems.push(
        `opportunity ${opportunityId} is claimed by ${claimants.length} referrals: ${claimants.join(', ')}`,
      );
  }
  return { converged: problems.length === 0, problems, referrals, opportunities };
}

/** Waits until `checkConvergence` finds nothing wrong; on timeout the error lists what was still wrong. */
export async function waitForConvergence(
  sides: DealSides,
  referralIds: readonly string[],
  { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
): Promise<ConvergenceReport> {
  return waitFor(
    `convergence of ${referralIds.length} deals`,
    async () => {
      const report = await checkConvergence(sides, referralIds);
      if (!report.converged) throw new Error(report.problems.join('; '));
      return report;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** Both sides in a few lines, for failure messages: referrals (id, name, owner, CRM id) and opportunities. */
export async function describeDeals(sides: DealSides): Promise<string> {
  const [referrals, opportunities] = await Promise.all([allReferrals(sides), allOpportunities(sides)]);
  return [
    'referrals:',
    ...referrals.map(
      (referral) =>
        `  ${String(referral['id'])} "${String(referral['name'])}" owner=${String(referral['organizationId'])} externalReferenceId=${String(referral['externalReferenceId'])} createdDateTime=${String(referral['createdDateTime'])}`,
    ),
    'opportunities:',
    ...opportunities.map(
      (row) =>
        `  ${row.Id} "${row.Name}" Partner_Center_Referral_Id__c=${String(row.Partner_Center_Referral_Id__c)}`,
    ),
  ].join('\n');
}
