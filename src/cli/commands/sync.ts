import type { Command } from 'commander';
import type { Connector } from '../../app.ts';
import { toError } from '../../shared/upstreamError.ts';
import type { DealSyncInput, DealSyncResult } from '../../sync/dealSyncContext.ts';
import { syncDeal } from '../../sync/syncDeal.ts';
import type { CliIo } from '../cliIo.ts';
import { withConnector } from '../commandContext.ts';
import { type CommonOptions, withCommonOptions } from '../commonOptions.ts';
import { EXIT } from '../exitCodes.ts';
import { formatFieldValue } from '../formatFieldValue.ts';

interface SyncOptions extends CommonOptions {
  dryRun?: boolean;
  referral?: string[];
  opportunity?: string[];
}

type Outcome = { input: DealSyncInput; result: DealSyncResult } | { input: DealSyncInput; error: string };

/** Every deal worth a look: all referrals, plus opportunities with Sync ticked or a referral id. */
async function allDeals(connector: Connector): Promise<DealSyncInput[]> {
  const inputs: DealSyncInput[] = [];
  const seenReferrals = new Set<string>();
  for await (const referral of connector.referrals.list({ orderBy: 'createdDateTime asc' })) {
    seenReferrals.add(referral.id);
    inputs.push({ referralId: referral.id, trigger: 'backfill' });
  }
  const { mapping } = connector;
  const referralField = mapping.fields.referralId.salesforceField ?? 'Partner_Center_Referral_Id__c';
  const soql = `SELECT Id, ${referralField} FROM Opportunity WHERE ${mapping.opportunity.syncFlagField} = true OR ${referralField} != null ORDER BY CreatedDate`;
  for await (const row of connector.salesforce.client.query<Record<string, unknown>>(soql)) {
    const referralId = row[referralField];
    if (typeof referralId === 'string' && seenReferrals.has(referralId)) continue;
    inputs.push({ opportunityId: String(row['Id']), trigger: 'backfill' });
  }
  return inputs;
}

function describePlan(outcome: Outcome): string[] {
  if ('error' in outcome)
    return [`✖ ${outcome.input.referralId ?? outcome.input.opportunityId}: ${outcome.error}`];
  const { result } = outcome;
  const who = [
    result.opportunityId && `opportunity ${result.opportunityId}`,
    result.referralId && `referral ${result.referralId}`,
  ]
    .filter(Boolean)
    .join(' ⇄ ');
  const lines = [`${result.action.padEnd(18)} ${who || '(unlinked)'} — ${result.message}`];
  for (const change of [...result.toSalesforce, ...result.toPartnerCenter]) {
    lines.push(
      `    ${change.side === 'salesforce' ? 'Salesforce    ' : 'Partner Center'} ${change.field}: ${formatFieldValue(change.before)} → ${formatFieldValue(change.after)}`,
    );
  }
  return lines;
}

function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`;
}

export function registerSyncCommand(program: Command, io: CliIo): void {
  withCommonOptions(
    program
      .command('sync')
      .description(
        'backfill / one-off reconcile: sync every deal now (or the given ones); --dry-run prints the plan and writes nothing',
      )
      .option('--dry-run', 'read both sides and print what would be written, per deal; write nothing')
      .option('--referral <id...>', 'only these referral ids')
      .option('--opportunity <id...>', 'only these opportunity ids'),
  ).action(async (options: SyncOptions) => {
    const code = await withConnector(options, io, async (connector) => {
      const explicit: DealSyncInput[] = [
        ...(options.referral ?? []).map((referralId) => ({ referralId, trigger: 'cli' as const })),
        ...(options.opportunity ?? []).map((opportunityId) => ({ opportunityId, trigger: 'cli' as const })),
      ];
      const inputs = explicit.length ? explicit : await allDeals(connector);
      const outcomes: Outcome[] = [];
      const showProgress = !options.json && process.stderr.isTTY;
      for (const input of inputs) {
        try {
          outcomes.push({
            input,
            result: await syncDeal(connector.deps, { ...input, dryRun: options.dryRun === true }),
          });
        } catch (error) {
          outcomes.push({ input, error: toError(error).message });
        }
        if (showProgress) process.stderr.write(`\r${progressBar(outcomes.length, inputs.length)}`);
      }
      if (showProgress) process.stderr.write('\n');
      if (options.json) {
        io.out(JSON.stringify({ dryRun: options.dryRun === true, outcomes }));
      } else {
        if (options.dryRun) {
          io.out(
            `Plan (dry run — nothing was written) for ${inputs.length} deal${inputs.length === 1 ? '' : 's'}:`,
          );
          for (const outcome of outcomes) for (const line of describePlan(outcome)) io.out(line);
          io.out('');
        }
        const counts = new Map<string, number>();
        for (const outcome of outcomes) {
          const key = 'error' in outcome ? 'failed' : outcome.result.action;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        io.out(`${options.dryRun ? 'Would do' : 'Done'}:`);
        for (const [action, count] of [...counts].sort())
          io.out(`  ${action.padEnd(20)} ${String(count).padStart(5)}`);
        for (const outcome of outcomes)
          if ('error' in outcome) for (const line of describePlan(outcome)) io.err(line);
      }
      return outcomes.some((outcome) => 'error' in outcome) ? EXIT.failure : EXIT.ok;
    });
    io.setExitCode(code);
  });
}
