/**
 * What every benchmark in bench/ has in common: a name, a run that returns table rows, and the context
 * run.ts hands it (scale of the sample counts, the Postgres URL, a progress line writer).
 */
import type { LatencySummary } from './latencySummary.ts';

export interface BenchContext {
  /** Multiplies every sample count (1 = the documented counts; 0.1 for a quick check). */
  scale: number;
  /** Postgres for the store and queue benchmarks; null when DATABASE_URL is not set. */
  databaseUrl: string | null;
  /** A progress line on stderr (the table goes to stdout). */
  say: (line: string) => void;
}

export interface TargetCheck {
  /** The target as written in the spec, e.g. "p99 < 250 ms". */
  text: string;
  met: boolean;
}

export interface BenchRow {
  benchmark: string;
  /** What this row measured, e.g. "webhook ACK (SQLite, worker busy)". */
  measure: string;
  /** How many operations or samples the figures come from. */
  count: number;
  latency?: LatencySummary;
  perSecond?: number;
  target?: TargetCheck;
  /** Conditions worth knowing when reading the figure (concurrency, poll interval…). */
  note?: string;
}

export interface Benchmark {
  name: string;
  description: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}

/** A sample count scaled by --scale, never below `minimum`. */
export function scaled(context: BenchContext, count: number, minimum = 1): number {
  return Math.max(minimum, Math.round(count * context.scale));
}
