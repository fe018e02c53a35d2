/**
 * Whether a worker may claim a connection's deal jobs now. A paused connection (its sign-in expired or was
 * refused) claims none, so its jobs never take the worker slots, connections or API calls of the others: they
 * wait. One probe batch is let through per probe interval, so a sign-in that works again (a token renewed at the
 * identity provider, an org back from maintenance) resumes the connection on its own; `cosell connect` resumes
 * it at once. The state is read from the store (any process may pause or resume it), at most once per refresh;
 * a pause in this process applies at once.
 */
import type { Clock } from '../shared/clock.ts';
import type { Store } from '../store/store.ts';

export interface ConnectionGateOptions {
  store: Pick<Store, 'connections'>;
  connectionId: string;
  clock: Clock;
  /** How long a read connection state is trusted (default 1 s). */
  refreshMs?: number;
  /** While paused, one claim is allowed this often to find out whether the sign-in works again (default 60 s). */
  probeIntervalMs?: number;
}

export class ConnectionGate {
  private state: { paused: boolean; readAtMs: number } | null = null;
  private lastProbeAtMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ConnectionGateOptions) {}

  /** This process paused the connection (a job's sign-in was refused): claim nothing from now on. */
  paused(): void {
    const nowMs = this.options.clock.now().getTime();
    if (!this.state?.paused) this.lastProbeAtMs = nowMs;
    this.state = { paused: true, readAtMs: nowMs };
  }

  /** True when the connection's jobs may be claimed now (the runner asks before each claim). */
  readonly mayClaim = async (): Promise<boolean> => {
    const nowMs = this.options.clock.now().getTime();
    if (this.state === null || nowMs - this.state.readAtMs >= (this.options.refreshMs ?? 1000)) {
      const connection = await this.options.store.connections.get(this.options.connectionId);
      const paused = connection?.state === 'paused';
      // The first probe comes one interval after the pause is seen: the job that paused it just failed.
      if (paused && !this.state?.paused) this.lastProbeAtMs = nowMs;
      this.state = { paused, readAtMs: nowMs };
    }
    if (!this.state.paused) return true;
    if (nowMs - this.lastProbeAtMs < (this.options.probeIntervalMs ?? 60_000)) return false;
    this.lastProbeAtMs = nowMs;
    return true;
  };
}
