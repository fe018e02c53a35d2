/**
 * `npm run bench`: runs the benchmarks (all, or those named with --only), prints one table, exits 0
 * (1 when a benchmark failed). Loopback only; counts and waits are bounded. Never part of `npm test`.
 *
 *   npm run bench -- --only webhook,queue --scale 0.1 --json
 */
import { parseArgs } from 'node:util';
import type { BenchContext, Benchmark, BenchRow } from './benchmark.ts';
import { describeMachine, machineInfo } from './machineInfo.ts';
import { formatResultTable } from './resultTable.ts';

// Everything here talks to 127.0.0.1; a proxy configured in the environment must not get in the way
// (jsforce reads these when it loads, so this runs before any benchmark module is imported).
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];

/** In run order; each module is loaded only when its benchmark runs. */
const BENCHMARKS: { name: string; load: () => Promise<Benchmark> }[] = [
  { name: 'webhook', load: async () => (await import('./webhookAckLatency.ts')).webhookAckLatency },
  { name: 'ingest', load: async () => (await import('./webhookIngest.ts')).webhookIngest },
  { name: 'e2e', load: async () => (await import('./endToEndLatency.ts')).endToEndLatency },
  { name: 'backfill', load: async () => (await import('./backfillThroughput.ts')).backfillThroughput },
  { name: 'scaleout', load: async () => (await import('./scaleOutBackfill.ts')).scaleOutBackfill },
  { name: 'idle', load: async () => (await import('./idleCost.ts')).idleCost },
  { name: 'queue', load: async () => (await import('./queueThroughput.ts')).queueThroughput },
  { name: 'store', load: async () => (await import('./storeThroughput.ts')).storeThroughput },
];

const USAGE = `Usage: npm run bench -- [--only NAME[,NAME…]] [--scale FACTOR] [--json]
  --only    run only these benchmarks: ${BENCHMARKS.map((entry) => entry.name).join(', ')}
  --scale   multiply every sample count (default 1; e.g. 0.1 for a quick check)
  --json    print the rows as JSON instead of a table
Postgres runs (store, queue) need DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const OPTIONS = {
  only: { type: 'string', multiple: true },
  scale: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ options: OPTIONS, strict: true });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!Number.isFinite(scale) || scale <= 0) fail(`--scale must be a positive number (got ${values.scale}).`);
  const wanted = (values.only ?? [])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
  const unknown = wanted.filter((name) => !BENCHMARKS.some((entry) => entry.name === name));
  if (unknown.length > 0) fail(`Unknown benchmark ${unknown.join(', ')}.`);
  const selected =
    wanted.length === 0 ? BENCHMARKS : BENCHMARKS.filter((entry) => wanted.includes(entry.name));

  const databaseUrl = process.env['DATABASE_URL'] || null;
  const context: BenchContext = { scale, databaseUrl, say: (line) => process.stderr.write(`${line}\n`) };
  const rows: BenchRow[] = [];
  const failures: string[] = [];
  const startedAt = Date.now();
  const machineAtStart = machineInfo();
  for (const entry of selected) {
    const benchStartedAt = Date.now();
    try {
      const benchmark = await entry.load();
      context.say(`▶ ${benchmark.name}: ${benchmark.description}`);
      rows.push(...(await benchmark.run(context)));
      context.say(`  ${benchmark.name} took ${((Date.now() - benchStartedAt) / 1000).toFixed(1)} s`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(`${entry.name}: ${message}`);
      context.say(`✖ ${entry.name} failed: ${message}`);
    }
  }
  const machineAtEnd = machineInfo();
  if (values.json) {
    const machine = { start: machineAtStart, end: machineAtEnd };
    process.stdout.write(`${JSON.stringify({ machine, rows, failures }, null, 2)}\n`);
  } else {
    process.stdout.write(`start: ${describeMachine(machineAtStart)}\n`);
    process.stdout.write(`end:   ${describeMachine(machineAtEnd)}\n\n`);
    process.stdout.write(`${formatResultTable(rows)}\n`);
    if (!databaseUrl)
      process.stdout.write(
        '\nDATABASE_URL is not set: the Postgres store and pg-boss queue rows did not run.\n',
      );
    for (const failure of failures) process.stdout.write(`\nFAILED ${failure}\n`);
  }
  context.say(`All benchmarks took ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return failures.length === 0 ? 0 : 1;
}

// Exit explicitly: a benchmark's leftover keep-alive sockets must not hold the process open.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
