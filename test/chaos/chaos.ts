/**
 * `npm run test:chaos`: the chaos convergence run at full scale, on SQLite and (when DATABASE_URL is set) on
 * Postgres + pg-boss. Prints the figures and every problem found; exits 1 on any loss, duplicate, overlap or
 * other failure.
 *
 * Environment: CHAOS_DEALS (default 1000), CHAOS_EDITS_PER_DEAL (2), CHAOS_SEED (random), CHAOS_SECONDS (chaos
 * phase length; default 100 ms per deal, at least 15 s), CHAOS_BACKENDS (sqlite,postgres), CHAOS_KEEP=1 (keep the
 * run's directory and Postgres schema to look into), DATABASE_URL.
 */
import { describeMachine, machineInfo } from '../../bench/machineInfo.ts';
import { testDatabaseUrl } from '../support/testStores.ts';
import { formatChaosFigures, runChaos } from './runChaos.ts';

const number = (name: string, fallback: number): number => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new Error(`${name} must be a non-negative number, not ${JSON.stringify(value)}`);
  return parsed;
};

async function main(): Promise<number> {
  const deals = number('CHAOS_DEALS', 1000);
  const seed = number('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31));
  const chaosSeconds = process.env['CHAOS_SECONDS'] ? number('CHAOS_SECONDS', 0) : undefined;
  const databaseUrl = testDatabaseUrl();
  const wanted = (process.env['CHAOS_BACKENDS'] ?? 'sqlite,postgres').split(',').map((item) => item.trim());
  let failed = false;
  for (const backend of ['sqlite', 'postgres'] as const) {
    if (!wanted.includes(backend)) continue;
    if (backend === 'postgres' && !databaseUrl) {
      console.log(
        'postgres: skipped, DATABASE_URL is not set (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)',
      );
      if (process.env['CI']) failed = true;
      continue;
    }
    const report = await runChaos({
      deals,
      backend,
      ...(databaseUrl ? { databaseUrl } : {}),
      seed,
      editsPerDeal: number('CHAOS_EDITS_PER_DEAL', 2),
      killEveryMs: [2_000, 6_000],
      ...(chaosSeconds !== undefined ? { chaosMs: chaosSeconds * 1000 } : {}),
      keepDir: process.env['CHAOS_KEEP'] === '1',
      say: (line) => console.log(line),
    });
    console.log(`\n== chaos on ${backend} (${describeMachine(machineInfo())})`);
    for (const line of formatChaosFigures(report.figures)) console.log(line);
    if (report.problems.length) {
      failed = true;
      console.log(`\n${report.problems.length} problems:`);
      for (const problem of report.problems) console.log(`- [${problem.invariant}] ${problem.message}`);
    } else console.log('no problems: every deal converged, nothing lost, nothing duplicated');
    console.log(`figures: ${JSON.stringify(report.figures)}`);
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
