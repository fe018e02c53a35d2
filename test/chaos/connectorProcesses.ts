/**
 * The connector as a real `cosell serve` child process, started, SIGKILLed and restarted by the chaos run.
 * Every child listens on the same port (the registered webhook URL stays valid; Partner Center's retries reach
 * the next child) and appends to the same deal trace. Each child's end (kill or exit) is recorded, so a job
 * that was cut off has an interval that ends when its process did.
 */
import { COSELL_BIN, childEnv, spawnTracked, type TrackedProcess } from '../support/childProcess.ts';
import { waitFor } from '../support/sandboxHarness.ts';

export interface ConnectorProcessOptions {
  configFile: string;
  port: number;
  env: Record<string, string>;
}

export class ConnectorProcesses {
  /** When each child process ended (ms), by pid. */
  readonly endedAt = new Map<number, number>();
  kills = 0;
  starts = 0;
  /** How long each start took until the admin API answered (ms). */
  readonly startMs: number[] = [];
  /** Children that exited on their own during the run, with their last output. */
  readonly crashes: { pid: number; code: number | null; output: string }[] = [];
  private current: TrackedProcess | null = null;
  private intentional = new Set<number>();

  constructor(private readonly options: ConnectorProcessOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get pid(): number | null {
    return this.current?.child.pid ?? null;
  }

  private output(child: TrackedProcess): string {
    return [...child.stdoutLines.slice(-20), ...child.stderrLines.slice(-40)].join('\n');
  }

  /** Starts a child and waits until its admin API answers. */
  async start(): Promise<void> {
    const child = spawnTracked(process.execPath, [COSELL_BIN, 'serve', '--config', this.options.configFile], {
      env: childEnv(this.options.env),
    });
    this.current = child;
    this.starts += 1;
    const began = Date.now();
    const pid = child.child.pid ?? -1;
    void child.exited.then(({ code }) => {
      this.endedAt.set(pid, Date.now());
      if (!this.intentional.has(pid)) this.crashes.push({ pid, code, output: this.output(child) });
    });
    let exited = false;
    void child.exited.then(() => {
      exited = true;
    });
    const answered = await waitFor(
      `cosell serve (pid ${pid}) to answer on ${this.url}`,
      async () => {
        if (exited) return 'exited';
        const response = await fetch(`${this.url}/api/status`);
        await response.body?.cancel();
        return response.ok ? 'answered' : false;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    if (answered === 'exited')
      throw new Error(`cosell serve exited before it answered:\n${this.output(child)}`);
    this.startMs.push(Date.now() - began);
  }

  /** SIGKILLs the running child (mid-job, whatever it is doing) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.current;
    if (!child) return;
    this.current = null;
    this.intentional.add(child.child.pid ?? -1);
    await child.stop('SIGKILL');
    this.kills += 1;
  }

  /** Stops the running child cleanly (SIGTERM) and returns its exit code. */
  async stop(): Promise<number | null> {
    const child = this.current;
    if (!child) return null;
    this.current = null;
    this.intentional.add(child.child.pid ?? -1);
    const { code } = await child.stop('SIGTERM');
    return code;
  }

  /** True when the current child is still running (it may have crashed by itself). */
  isRunning(): boolean {
    return (
      this.current !== null && this.current.child.exitCode === null && this.current.child.signalCode === null
    );
  }

  lastOutput(): string {
    return this.current ? this.output(this.current) : '';
  }
}
