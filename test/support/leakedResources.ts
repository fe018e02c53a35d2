/** Counting the handles that keep the event loop alive, for the leak guard (leakGuard.ts). */

/** Resource types Node reports, and the name a person knows them by. */
const WATCHED: Record<string, string> = {
  TCPServerWrap: 'listening TCP server',
  PipeServerWrap: 'listening pipe server',
  Timeout: 'timer (setTimeout/setInterval)',
  ProcessWrap: 'child process',
};

export function countWatchedResources(resources: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of resources) if (type in WATCHED) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** What is open now beyond the baseline, e.g. ["2 × listening TCP server"]; empty when nothing leaked. */
export function leakedResources(baseline: Map<string, number>, now: Map<string, number>): string[] {
  const leaks: string[] = [];
  for (const [type, count] of now) {
    const extra = count - (baseline.get(type) ?? 0);
    if (extra > 0) leaks.push(`${extra} × ${WATCHED[type] ?? type}`);
  }
  return leaks;
}
