/** The machine a benchmark run happened on, printed with the figures (they mean little without it). */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  at: string;
  node: string;
  cpuCount: number;
  cpuModel: string;
  memoryGiB: number;
  /** 1-minute load average: other work on the machine skews every figure. */
  loadAverage1m: number;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    if (line) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return cpus()[0]?.model ?? 'unknown';
}

export function machineInfo(): MachineInfo {
  return {
    at: new Date().toISOString(),
    node: process.version,
    cpuCount: cpus().length,
    cpuModel: cpuModel(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

export function describeMachine(info: MachineInfo): string {
  return `${info.at} · Node ${info.node} · ${info.cpuCount} × ${info.cpuModel} · ${info.memoryGiB} GiB RAM · load average (1 min) ${info.loadAverage1m}`;
}
