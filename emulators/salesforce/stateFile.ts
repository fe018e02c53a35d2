/** Optional JSON persistence of the org state: loaded at start, saved shortly after changes and on close. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OrgState } from './orgState.ts';

const SAVE_DELAY_MS = 100;

export class StateFile {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly path: string,
    private readonly current: () => OrgState,
  ) {}

  /** The saved state, or null when the file does not exist yet. */
  load(): OrgState | null {
    if (!existsSync(this.path)) return null;
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as OrgState;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `The Salesforce emulator state file ${this.path} could not be read (${reason}); fix or delete it and start again.`,
      );
    }
  }

  scheduleSave(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.current()));
    renameSync(temporary, this.path);
  }
}
