import type { Command } from 'commander';
import { openQueue } from '../../app.ts';
import type { CosellConfig } from '../../config/configSchema.ts';
import { connectionConfigsOf, connectionLimits } from '../../config/connectionConfig.ts';
import { systemClock } from '../../shared/clock.ts';
import { forgetLink } from '../../store/forgetLink.ts';
import type { AuditEntry, AuditOutcome, LinkState, Store } from '../../store/store.ts';
import { enqueueDealSync } from '../../sync/dealJobs.ts';
import type { CliIo } from '../cliIo.ts';
import { withStore } from '../commandContext.ts';
import { type CommonOptions, parseIntegerOption, withCommonOptions } from '../commonOptions.ts';
import { CliError, EXIT } from '../exitCodes.ts';
import { formatFieldValue } from '../formatFieldValue.ts';

interface AuditOptions extends CommonOptions {
  link?: string;
  limit: number;
  errors?: boolean;
}

interface RetryOptions extends CommonOptions {
  deadLetters?: boolean;
  errors?: boolean;
}

const STATES: LinkState[] = ['synced', 'pending', 'error', 'conflict', 'paused'];

const OUTCOME_ICON: Record<AuditOutcome, string> = {
  ok: '✔',
  dry_run: '✔',
  skipped: '✔',
  noop: '·',
  error: '✖',
  conflict: '⚠',
};

export function formatAuditEntry(entry: AuditEntry): string {
  const icon = OUTCOME_ICON[entry.outcome];
  const ids = [
    // The id `cosell retry`, `unlink` and `audit --link` take.
    entry.linkId && `link ${entry.linkId}`,
    entry.opportunityId && `opp ${entry.opportunityId}`,
    entry.referralId && `ref ${entry.referralId}`,
  ]
    .filter(Boolean)
    .join(' · ');
  const lines = [
    `${entry.at.replace('T', ' ').slice(0, 19)} ${icon} [${entry.trigger}] ${entry.message}${ids ? `  (${ids})` : ''}`,
  ];
  for (const change of entry.changes) {
    lines.push(
      `      ${change.side === 'salesforce' ? '→ Salesforce    ' : '→ Partner Center'} ${change.field}: ${formatFieldValue(change.before)} → ${formatFieldValue(change.after)}`,
    );
  }
  return lines.join('\n');
}

/** What `cosell status` reports about one connection. */
async function connectionStatus(store: Store, config: CosellConfig) {
  const { connectionId } = config;
  const [connection, links, deadLetters, recentErrors] = await Promise.all([
    store.connections.get(connectionId),
    store.links.countByState(connectionId),
    store.deadLetters.list({ connectionId, limit: 20 }),
    store.audit.list({ connectionId, outcome: 'error', limit: 5 }),
  ]);
  return { connectionId, connection, limits: connectionLimits(config), links, deadLetters, recentErrors };
}

function printConnectionStatus(io: CliIo, status: Awaited<ReturnType<typeof connectionStatus>>): void {
  const { connectionId, connection, limits, links, deadLetters, recentErrors } = status;
  io.out(
    `Connection ${connectionId}: ${connection?.state ?? 'not started yet'}${connection?.pausedReason ? ` — ${connection.pausedReason}` : ''}`,
  );
  io.out(
    `  Limits: ${limits.concurrency} deal batches at once per worker, ${limits.partnerCenterConcurrency} Partner Center calls at once per batch, polling slows above ${Math.round(limits.salesforceApiBudgetRatio * 100)}% of the Salesforce daily API requests`,
  );
  io.out(`  Links: ${STATES.map((state) => `${state} ${links[state]}`).join(', ')}`);
  for (const dead of deadLetters)
    io.out(
      `  dead letter ${dead.id}: ${dead.jobName} ${dead.jobKey} — ${dead.errorKind}: ${dead.errorMessage}  (cosell retry --dead-letters)`,
    );
  if (recentErrors.length) {
    io.out('  Recent errors:');
    for (const entry of recentErrors) io.out(formatAuditEntry(entry));
  }
}

export function registerStatusCommands(program: Command, io: CliIo): void {
  withCommonOptions(
    program
      .command('status')
      .description('per connection: its state, limits, links by state and dead letters; and the queue'),
    { connectionHelp: 'report this connection only (default: every connection of the config)' },
  ).action(async (options: CommonOptions) => {
    await withStore(
      options,
      io,
      async (store, { config, connectionIds, logger }) => {
        const queue = await openQueue(config, store, logger, systemClock, {});
        try {
          const [queueStats, connections] = await Promise.all([
            queue.stats(),
            Promise.all(
              connectionConfigsOf(config, connectionIds).map((each) => connectionStatus(store, each)),
            ),
          ]);
          if (options.json) {
            // The first connection's fields stay at the top level, as in a deployment of one connection.
            const [first] = connections;
            io.out(JSON.stringify({ ...first, queue: queueStats, connections }));
            return;
          }
          for (const status of connections) printConnectionStatus(io, status);
          io.out(
            `Queue: ${queueStats.pending} pending, ${queueStats.running} running, ${queueStats.deadLetters} dead letters`,
          );
        } finally {
          await queue.stop({ timeoutMs: 1000 });
        }
      },
      { allConnections: true },
    );
  });

  withCommonOptions(
    program
      .command('audit')
      .description(
        'the audit trail, newest first: what synced, which fields, before → after, and every error',
      )
      .option('--link <id>', 'only this link')
      .option('--limit <n>', 'how many entries', parseIntegerOption('--limit', 10_000), 50)
      .option('--errors', 'only errors'),
  ).action(async (options: AuditOptions) => {
    await withStore(options, io, async (store, { config }) => {
      if (options.link) {
        const link = await store.links.get(options.link);
        if (!link || link.connectionId !== config.connectionId)
          throw new CliError(
            `No link ${options.link} in connection ${config.connectionId}; the link ids are in \`cosell audit\` and \`cosell status\` (or GET /api/links).`,
          );
      }
      const entries = await store.audit.list({
        connectionId: config.connectionId,
        limit: options.limit,
        ...(options.link ? { linkId: options.link } : {}),
        ...(options.errors ? { outcome: 'error' as const } : {}),
      });
      if (options.json) io.out(JSON.stringify({ entries }));
      else if (entries.length === 0) io.out('No audit entries yet.');
      else for (const entry of entries) io.out(formatAuditEntry(entry));
    });
  });

  withCommonOptions(
    program
      .command('unlink <linkId...>')
      .description(
        'forget links between a referral and an opportunity (e.g. after one side was deleted); the next sync treats them as new',
      ),
  ).action(async (linkIds: string[], options: CommonOptions) => {
    await withStore(options, io, async (store, { config }) => {
      const { connectionId } = config;
      const removed: string[] = [];
      for (const id of linkIds) {
        const link = await store.links.get(id);
        if (!link || link.connectionId !== connectionId) {
          throw new CliError(
            `No link ${id} in connection ${connectionId}; the link ids are in \`cosell audit\` and \`cosell status\` (or GET /api/links).`,
            EXIT.failure,
          );
        }
        await forgetLink(store, link, new Date().toISOString(), 'cli');
        removed.push(link.id);
      }
      if (options.json) io.out(JSON.stringify({ removed }));
      else io.out(removed.map((id) => `✔ unlinked ${id}`).join('\n'));
    });
  });

  withCommonOptions(
    program
      .command('retry [linkId...]')
      .description(
        'sync the given links again now; --errors for every link in error; --dead-letters to redrive dead-lettered jobs',
      )
      .option('--errors', 'every link in state error or conflict')
      .option('--dead-letters', 'redrive every dead-lettered job'),
  ).action(async (linkIds: string[], options: RetryOptions) => {
    await withStore(options, io, async (store, { config, logger }) => {
      const { connectionId } = config;
      const queue = await openQueue(config, store, logger, systemClock, {});
      try {
        const done: string[] = [];
        if (options.deadLetters) {
          for (const dead of await store.deadLetters.list({ connectionId, limit: 1000 })) {
            await queue.redrive(dead.id);
            done.push(`redrove ${dead.jobName} ${dead.jobKey}`);
          }
        }
        const links = [...linkIds.map((id) => ({ id }))];
        if (options.errors) {
          for (const state of ['error', 'conflict'] as const)
            links.push(...(await store.links.list({ connectionId, state, limit: 1000 })));
        }
        for (const { id } of links) {
          const link = await store.links.get(id);
          if (!link || link.connectionId !== connectionId)
            throw new CliError(
              `No link ${id} in connection ${connectionId}; the link ids are in \`cosell audit\` and \`cosell status\` (or GET /api/links).`,
              EXIT.failure,
            );
          await enqueueDealSync({ store, connectionId }, queue, {
            referralId: link.referralId,
            opportunityId: link.opportunityId,
            trigger: 'retry',
          });
          done.push(`queued link ${link.id}`);
        }
        if (!options.deadLetters && !options.errors && linkIds.length === 0) {
          throw new CliError('Say what to retry: link ids, --errors, or --dead-letters.', EXIT.usage);
        }
        if (options.json) io.out(JSON.stringify({ done }));
        else io.out(done.length ? done.map((line) => `✔ ${line}`).join('\n') : 'Nothing to retry.');
        if (done.length) io.out('A running `cosell serve` or `cosell worker` picks them up.');
      } finally {
        await queue.stop({ timeoutMs: 1000 });
      }
    });
  });
}
