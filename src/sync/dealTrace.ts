/**
 * Deal trace: when env `COSELL_DEAL_TRACE=<file>` is set, the worker appends one JSON line to that file when
 * a deal job starts working on its deal — once its reads are done and it keeps the deal (its key is the deal's),
 * before it plans or writes anything — and one when the job ends, so a test can prove that no deal was ever
 * processed by two jobs at once (test/chaos/). A job that hands its deal back never starts. Lines:
 *   {"event":"start","job":"<pid>-<n>","connectionId","referralId","opportunityId","startedAt","pid"}
 *   {"event":"end","job":"<pid>-<n>","connectionId","referralId","opportunityId","startedAt","finishedAt","pid","ok"}
 * The end line carries both ids once the job knows them; a start line without an end line is a job whose
 * process died (its interval ends when the process did). Appends are synchronous, so a line written is on disk
 * even if the process is killed a moment later. Unset (production), tracing costs nothing.
 */
import { appendFileSync } from 'node:fs';

export const DEAL_TRACE_ENV = 'COSELL_DEAL_TRACE';

export interface DealIds {
  /** The deal's connection (ids are only unique within one). */
  connectionId?: string | undefined;
  referralId?: string | null | undefined;
  opportunityId?: string | null | undefined;
}

export interface DealTraceSpan {
  /** Records the end of the job with the ids it ended up knowing (a created referral or opportunity). */
  finish(ids: DealIds, ok: boolean): void;
}

const idle: DealTraceSpan = { finish: () => undefined };
let jobsStarted = 0;

/** Starts a trace span for one deal job (a no-op unless COSELL_DEAL_TRACE is set). */
export function startDealTrace(ids: DealIds, env: NodeJS.ProcessEnv = process.env): DealTraceSpan {
  const file = env[DEAL_TRACE_ENV];
  if (!file) return idle;
  jobsStarted += 1;
  const job = `${process.pid}-${jobsStarted}`;
  const startedAt = new Date().toISOString();
  const write = (line: Record<string, unknown>) => appendFileSync(file, `${JSON.stringify(line)}\n`);
  const connectionId = ids.connectionId ?? null;
  write({
    event: 'start',
    job,
    connectionId,
    referralId: ids.referralId ?? null,
    opportunityId: ids.opportunityId ?? null,
    startedAt,
    pid: process.pid,
  });
  return {
    finish(finalIds, ok) {
      write({
        event: 'end',
        job,
        connectionId,
        referralId: finalIds.referralId ?? ids.referralId ?? null,
        opportunityId: finalIds.opportunityId ?? ids.opportunityId ?? null,
        startedAt,
        finishedAt: new Date().toISOString(),
        pid: process.pid,
        ok,
      });
    },
  };
}
