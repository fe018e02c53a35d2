/**
 * Store write rates, the two writes every deal sync makes: audit appends (one statement, autocommitted)
 * and link upserts (one transaction: find the link by referral id, then insert it or update its base
 * snapshot, as syncDeal's saveLink does; half are inserts, half updates). Each with one writer awaiting
 * every call, and with 8 concurrent writers (the worker's sync jobs). SQLite as the connector opens it
 * (WAL, synchronous=FULL: every commit reaches the disk); Postgres when DATABASE_URL is set.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { NewAuditEntry, Store } from '../src/store/store.ts';
import { sampleDeal } from '../test/support/sampleDeal.ts';
import { postgresBackend, type StoreBackend, sqliteBackend } from '../test/support/testStores.ts';
import { type BenchContext, type Benchmark, type BenchRow, scaled } from './benchmark.ts';
import { ratePerSecond } from './latencySummary.ts';
import { runConcurrently } from './runConcurrently.ts';

const OPERATIONS = 2_000;
const WRITER_COUNTS = [1, 8] as const;
const CONNECTION_ID = 'bench';

function auditEntry(index: number): NewAuditEntry {
  return {
    connectionId: CONNECTION_ID,
    linkId: null,
    referralId: `ref-${index}`,
    opportunityId: opportunityIdFor(index),
    at: new Date().toISOString(),
    trigger: 'webhook',
    direction: 'toSalesforce',
    outcome: 'ok',
    changes: [
      { field: 'details.dealValue', side: 'salesforce', before: 100_000, after: 120_000 + index },
      { field: 'details.closingDateTime', side: 'salesforce', before: '2027-03-01', after: '2027-03-31' },
      { field: 'status', side: 'salesforce', before: 'New/Pending', after: 'Active/Accepted' },
    ],
    error: null,
    message: `Updated opportunity from referral ref-${index}: amount, close date, stage`,
  };
}

/** A base snapshot: the canonical deal the sync stores after each merge (about 1.3 KB of JSON). */
function baseSnapshot(index: number, revision: number): unknown {
  return sampleDeal({
    name: `Bench deal ${index}`,
    dealValue: 120_000 + revision,
    referralId: `ref-${index}`,
    externalReferenceId: opportunityIdFor(index),
  });
}

const opportunityIdFor = (index: number): string => `006BENCH${String(index).padStart(10, '0')}`;

async function upsertLink(store: Store, index: number, revision: number): Promise<void> {
  const referralId = `ref-${index}`;
  await store.transaction(async (tx) => {
    const existing = await tx.links.findByReferralId(CONNECTION_ID, referralId);
    const fields = {
      base: baseSnapshot(index, revision),
      pcETag: `"etag-${index}-${revision}"`,
      sfSystemModstamp: new Date().toISOString(),
      state: 'synced' as const,
    };
    if (existing) await tx.links.update(existing.id, fields);
    else
      await tx.links.insert({
        connectionId: CONNECTION_ID,
        referralId,
        opportunityId: opportunityIdFor(index),
        salesforceObject: 'opportunity',
        engagementId: null,
        lastError: null,
        ...fields,
      });
  });
}

async function timedRate(count: number, writers: number, operation: (index: number) => Promise<unknown>) {
  const startedAt = performance.now();
  await runConcurrently(count, writers, operation);
  return ratePerSecond(count, performance.now() - startedAt);
}

/** The Postgres durability settings the figures depend on, e.g. "fsync=on, synchronous_commit=on". */
async function postgresDurability(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const settings: string[] = [];
    for (const name of ['fsync', 'synchronous_commit', 'wal_sync_method']) {
      const { rows } = await client.query<Record<string, string>>(`SHOW ${name}`);
      settings.push(`${name}=${rows[0]?.[name] ?? '?'}`);
    }
    return settings.join(', ');
  } finally {
    await client.end();
  }
}

const UPSERT_NOTE =
  'link upsert = one transaction: find by referral id, then insert (first half) or update (second half)';

async function measure(
  backend: StoreBackend,
  label: string,
  durability: string,
  context: BenchContext,
): Promise<BenchRow[]> {
  const count = scaled(context, OPERATIONS, 20);
  const half = Math.ceil(count / 2);
  const rows: BenchRow[] = [];
  for (const writers of WRITER_COUNTS) {
    const store = await backend.open();
    await store.connections.upsert({ id: CONNECTION_ID, name: CONNECTION_ID });
    context.say(`store: ${label}, ${writers} writer(s)…`);
    const auditPerSecond = await timedRate(count, writers, (index) => store.audit.append(auditEntry(index)));
    // First pass inserts `half` links, the second updates the same ones.
    const upsertPerSecond = await timedRate(half * 2, writers, (index) =>
      upsertLink(store, index % half, Math.floor(index / half)),
    );
    const linkCount = (await store.links.countByState(CONNECTION_ID)).synced;
    if (linkCount !== half) throw new Error(`${linkCount} links after upserting ${half} referrals twice.`);
    const writersText = writers === 1 ? '1 writer' : `${writers} writers`;
    rows.push(
      {
        benchmark: 'store',
        measure: `${label} audit append, ${writersText}`,
        count,
        perSecond: auditPerSecond,
        ...(writers === 1 ? { note: `${durability}; ${UPSERT_NOTE}` } : {}),
      },
      {
        benchmark: 'store',
        measure: `${label} link upsert, ${writersText}`,
        count: half * 2,
        perSecond: upsertPerSecond,
      },
    );
  }
  return rows;
}

export const storeThroughput: Benchmark = {
  name: 'store',
  description: 'audit appends and link upserts per second (SQLite synchronous=FULL; Postgres)',
  async run(context) {
    const backends: { backend: StoreBackend; label: string; durability: string }[] = [
      { backend: sqliteBackend(), label: 'SQLite', durability: 'SQLite WAL, synchronous=FULL' },
    ];
    const url = context.databaseUrl;
    if (url) {
      backends.push({
        backend: postgresBackend(url),
        label: 'Postgres',
        durability: await postgresDurability(url),
      });
    } else context.say('store: DATABASE_URL is not set, Postgres skipped');
    const rows: BenchRow[] = [];
    for (const { backend, label, durability } of backends) {
      try {
        rows.push(...(await measure(backend, label, durability, context)));
      } finally {
        await backend.cleanup();
      }
    }
    return rows;
  },
};
