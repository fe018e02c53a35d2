/**
 * An emulator's state saved as one JSON file: written atomically (temp file + rename), coalescing bursts of
 * changes. The wait after a change grows with the cost of the last write (ten times as long, at least
 * `minDelayMs`), so saving a large state never takes more than about a tenth of the emulator's time: with ten
 * thousand records a write costs tens of milliseconds and happens a few times a second at most. `flush()` writes
 * at once (on close).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';

export class CoalescedJsonFile {
  private timer: NodeJS.Timeout | null = null;
  private lastWriteMs = 0;

  constructor(
    readonly path: string,
    private readonly current: () => unknown,
    private readonly options: { minDelayMs: number; onError?: (error: unknown) => void },
  ) {}

  /** A change happened: write within a while (several changes, one write). */
  scheduleSave(): void {
    if (this.timer) return;
    const delayMs = Math.max(this.options.minDelayMs, this.lastWriteMs * 10);
    this.timer = setTimeout(() => {
      try {
        this.flush();
      } catch (error) {
        if (!this.options.onError) throw error;
        this.options.onError(error);
      }
    }, delayMs);
    this.timer.unref();
  }

  /** Writes the state now, and cancels a scheduled write. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const startedAt = performance.now();
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.current()));
    renameSync(temporary, this.path);
    this.lastWriteMs = performance.now() - startedAt;
  }
}
