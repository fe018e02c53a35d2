/**
 * Child process for src/store/durability.test.ts. Usage: node --import tsx storeCrashChild.ts '<StoreOptions JSON>'
 * Opens the store, commits COMMITTED_LINKS links (each with an audit entry) and a cursor, prints
 * "committed", then opens a transaction that writes UNCOMMITTED_LINKS more links and moves the
 * cursor, prints "in-transaction" and waits inside it until the parent kills the process.
 */
import { openStore, type StoreOptions } from '../../src/store/openStore.ts';

export const COMMITTED_LINKS = 5;
export const UNCOMMITTED_LINKS = 400;
export const COMMITTED_CURSOR = 'committed-cursor';

function link(referralId: string) {
  return {
    connectionId: 'durable',
    referralId,
    opportunityId: null,
    salesforceObject: 'opportunity' as const,
    engagementId: null,
    base: { referralId, padding: 'x'.repeat(500) },
    pcETag: null,
    sfSystemModstamp: null,
    state: 'synced' as const,
    lastError: null,
  };
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '') as StoreOptions;
  const store = await openStore(options);
  for (let i = 0; i < COMMITTED_LINKS; i++) {
    await store.transaction(async (tx) => {
      const row = await tx.links.insert(link(`committed-${i}`));
      await tx.audit.append({
        connectionId: 'durable',
        linkId: row.id,
        referralId: row.referralId,
        opportunityId: null,
        at: new Date().toISOString(),
        trigger: 'test',
        direction: 'toSalesforce',
        outcome: 'ok',
        changes: [],
        error: null,
        message: `committed ${i}`,
      });
    });
  }
  await store.cursors.set('durable', 'source', COMMITTED_CURSOR);
  process.stdout.write('committed\n');
  setInterval(() => undefined, 60_000); // keeps the process alive while the transaction waits
  await store.transaction(async (tx) => {
    for (let i = 0; i < UNCOMMITTED_LINKS; i++) await tx.links.insert(link(`uncommitted-${i}`));
    await tx.cursors.set('durable', 'source', 'uncommitted-cursor');
    process.stdout.write('in-transaction\n');
    await new Promise(() => undefined);
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
