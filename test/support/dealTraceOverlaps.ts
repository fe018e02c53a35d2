/**
 * Reads a deal trace (src/sync/dealTrace.ts, env COSELL_DEAL_TRACE) and finds deals that two jobs processed at
 * once. Deals are unions of ids: every line that names both a referral id and an opportunity id joins them, so
 * a job that knew only the opportunity (before its referral existed) and a job that knew only the referral are
 * the same deal. A job with a start line and no end line was cut off when its process ended (`endedAt`).
 */
import { existsSync, readFileSync } from 'node:fs';

export interface DealTraceLine {
  event: 'start' | 'end';
  job: string;
  /** Absent in traces written before connections were traced. */
  connectionId?: string | null;
  referralId: string | null;
  opportunityId: string | null;
  startedAt: string;
  finishedAt?: string;
  pid: number;
  ok?: boolean;
}

export interface TracedJob {
  job: string;
  pid: number;
  ids: string[];
  startMs: number;
  /** When it finished, or when its process ended (cut off), or null when neither is known. */
  endMs: number | null;
  cutOff: boolean;
}

export interface DealOverlap {
  deal: string[];
  first: TracedJob;
  second: TracedJob;
}

export function readDealTrace(file: string): DealTraceLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as DealTraceLine];
      } catch {
        // A process killed in the middle of a write leaves a partial last line; it carries no interval.
        return [];
      }
    });
}

class IdUnion {
  private readonly parent = new Map<string, string>();
  find(id: string): string {
    let root = id;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root) as string;
    this.parent.set(id, root);
    return root;
  }
  join(a: string, b: string): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA !== rootB) this.parent.set(rootB, rootA);
  }
}

/** A deal's ids, qualified by its connection: two orgs or tenants may hand out the same ids. */
const idsOf = (line: Pick<DealTraceLine, 'connectionId' | 'referralId' | 'opportunityId'>): string[] => {
  const scope = line.connectionId ? `${line.connectionId}:` : '';
  return [
    ...(line.referralId ? [`${scope}referral:${line.referralId}`] : []),
    ...(line.opportunityId ? [`${scope}opportunity:${line.opportunityId}`] : []),
  ];
};

/** The jobs of a trace, one per `job`, with the ids they knew and their interval. */
export function tracedJobs(
  lines: readonly DealTraceLine[],
  endedAt: ReadonlyMap<number, number>,
): TracedJob[] {
  const jobs = new Map<string, TracedJob>();
  for (const line of lines) {
    const job = jobs.get(line.job) ?? {
      job: line.job,
      pid: line.pid,
      ids: [],
      startMs: Date.parse(line.startedAt),
      endMs: null,
      cutOff: true,
    };
    for (const id of idsOf(line)) if (!job.ids.includes(id)) job.ids.push(id);
    if (line.event === 'end' && line.finishedAt) {
      job.endMs = Date.parse(line.finishedAt);
      job.cutOff = false;
    }
    jobs.set(line.job, job);
  }
  for (const job of jobs.values()) if (job.cutOff) job.endMs = endedAt.get(job.pid) ?? null;
  return [...jobs.values()];
}

/** Every pair of jobs of one deal whose intervals overlap (a job with an unknown end overlaps all later ones). */
export function findDealOverlaps(
  lines: readonly DealTraceLine[],
  endedAt: ReadonlyMap<number, number>,
): DealOverlap[] {
  // Jobs that hand their deal back never start a trace (src/sync/dealTrace.ts): every traced job worked on its deal.
  const jobs = tracedJobs(lines, endedAt);
  const union = new IdUnion();
  for (const job of jobs) for (const id of job.ids.slice(1)) union.join(job.ids[0] as string, id);
  const byDeal = new Map<string, TracedJob[]>();
  for (const job of jobs) {
    if (job.ids.length === 0) continue;
    const root = union.find(job.ids[0] as string);
    byDeal.set(root, [...(byDeal.get(root) ?? []), job]);
  }
  const overlaps: DealOverlap[] = [];
  for (const dealJobs of byDeal.values()) {
    const sorted = [...dealJobs].sort((a, b) => a.startMs - b.startMs);
    const deal = [...new Set(sorted.flatMap((job) => job.ids))].sort();
    // The job that ends last among those seen so far (an unknown end never ends).
    let open: TracedJob | null = null;
    const endOf = (job: TracedJob) => job.endMs ?? Number.POSITIVE_INFINITY;
    for (const job of sorted) {
      if (open && job.startMs < endOf(open)) overlaps.push({ deal, first: open, second: job });
      if (!open || endOf(job) > endOf(open)) open = job;
    }
  }
  return overlaps;
}
