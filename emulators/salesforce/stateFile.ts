/** Optional JSON persistence of the org state: loaded at start, saved shortly after changes and on close. */
import { existsSync, readFileSync } from 'node:fs';
import { CoalescedJsonFile } from '../shared/coalescedJsonFile.ts';
import type { OrgState } from './orgState.ts';

const MIN_SAVE_DELAY_MS = 100;

export class StateFile {
  private readonly file: CoalescedJsonFile;

  constructor(
    private readonly path: string,
    current: () => OrgState,
  ) {
    this.file = new CoalescedJsonFile(path, current, { minDelayMs: MIN_SAVE_DELAY_MS });
  }

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
    this.file.scheduleSave();
  }

  flush(): void {
    this.file.flush();
  }
}
