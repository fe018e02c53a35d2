/**
 * CPU time (user + system, in seconds) used so far by processes of this machine, read from /proc: by pid, and by
 * command name (every Postgres backend, for example). Linux only; elsewhere every figure is null.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

function statOf(pid: number | string): { command: string; cpuSeconds: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command is in parentheses and may hold spaces: the fields after it are split from the last ')'.
    const close = stat.lastIndexOf(')');
    const command = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // After the command: state is field 0, utime field 11, stime field 12.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? { command, cpuSeconds: ticks / TICKS_PER_SECOND } : null;
  } catch {
    return null;
  }
}

/** CPU seconds used by one process so far, or null when it cannot be read (gone, or not Linux). */
export function cpuSecondsOfPid(pid: number): number | null {
  return statOf(pid)?.cpuSeconds ?? null;
}

/** CPU seconds used so far by each live process named `command` (e.g. `postgres`), by pid; empty off Linux. */
export function cpuSecondsByPid(command: string): Map<number, number> {
  const byPid = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return byPid;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(entry);
    if (stat?.command === command) byPid.set(Number(entry), stat.cpuSeconds);
  }
  return byPid;
}

/** CPU seconds the processes named `command` used since `before` was read (processes started since count whole). */
export function cpuSecondsSince(command: string, before: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of cpuSecondsByPid(command)) total += seconds - (before.get(pid) ?? 0);
  return total;
}
