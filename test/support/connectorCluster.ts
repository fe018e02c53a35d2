/**
 * Distributed mode as child processes: `cosell serve --no-worker` and any number of `cosell worker`, all on one
 * config (Postgres store, pg-boss queue) and one deal trace. Each child's end (kill or exit) is recorded, so a
 * job cut off by a kill has an interval that ends when its process did (test/support/dealTraceOverlaps.ts).
 */
import { COSELL_BIN, childEnv, spawnTracked, type TrackedProcess } from './childProcess.ts';
import { waitFor } from './waitFor.ts';

export type ClusterRole = 'serve' | 'worker';

export interface ClusterMember {
  role: ClusterRole;
  pid: number;
  process: TrackedProcess;
}

export class ConnectorCluster {
  /** When each child process ended (ms), by pid. */
  readonly endedAt = new Map<number, number>();
  readonly members: ClusterMember[] = [];
  private closed = false;

  constructor(private readonly options: { configFile: string; port: number; env: Record<string, string> }) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  /** Running members of a role, oldest first. */
  running(role: ClusterRole): ClusterMember[] {
    return this.members.filter(
      (member) =>
        member.role === role &&
        member.process.child.exitCode === null &&
        member.process.child.signalCode === null,
    );
  }

  private spawn(role: ClusterRole): ClusterMember {
    if (this.closed) throw new Error('The cluster was closed: it starts no more processes.');
    const args = role === 'serve' ? ['serve', '--no-worker'] : ['worker'];
    const child = spawnTracked(process.execPath, [COSELL_BIN, ...args, '--config', this.options.configFile], {
      env: childEnv(this.options.env),
    });
    const pid = child.child.pid ?? -1;
    void child.exited.then(() => this.endedAt.set(pid, Date.now()));
    const member = { role, pid, process: child };
    this.members.push(member);
    return member;
  }

  /** Starts `cosell serve --no-worker` and waits until its admin API answers. */
  async startServe(): Promise<ClusterMember> {
    const member = this.spawn('serve');
    const answered = await waitFor(
      `cosell serve --no-worker (pid ${member.pid}) to answer on ${this.url}`,
      async () => {
        if (member.process.child.exitCode !== null) return 'exited';
        const response = await fetch(`${this.url}/api/status`);
        await response.body?.cancel();
        return response.ok ? 'answered' : false;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    if (answered === 'exited') throw new Error(`cosell serve --no-worker exited:\n${this.output(member)}`);
    return member;
  }

  /** Starts a `cosell worker` and waits for its "running" log line. */
  async startWorker(): Promise<ClusterMember> {
    const member = this.spawn('worker');
    await member.process.waitForLine(/cosell worker is running/, 60_000);
    return member;
  }

  /** The last lines a member printed, for failure messages. */
  output(member: ClusterMember): string {
    return [...member.process.stdoutLines.slice(-10), ...member.process.stderrLines.slice(-30)].join('\n');
  }

  /** SIGKILLs every member and starts no more (for a run cut short). */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopAll('SIGKILL');
  }

  /** Stops every member still running with `signal`; returns each one's exit code. */
  async stopAll(
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<{ member: ClusterMember; code: number | null }[]> {
    return Promise.all(
      this.members
        .filter(
          (member) => member.process.child.exitCode === null && member.process.child.signalCode === null,
        )
        .map(async (member) => ({ member, code: (await member.process.stop(signal)).code })),
    );
  }
}
