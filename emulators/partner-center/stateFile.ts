import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type EmulatorStateData, emptyState } from './emulatorState.ts';

/** Loads the emulator state saved by `saveState`; a missing file means a fresh start. */
export function loadState(path: string): EmulatorStateData {
  if (!existsSync(path)) return emptyState();
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return emptyState();
  let parsed: Partial<EmulatorStateData>;
  try {
    parsed = JSON.parse(text) as Partial<EmulatorStateData>;
  } catch (error) {
    throw new Error(
      `The emulator state file ${path} is not valid JSON (${String(error)}). Fix or delete it and start again.`,
    );
  }
  return { ...emptyState(), ...parsed };
}

/** Writes the state atomically (temp file + rename), so a crash never leaves half a file. */
export function saveState(path: string, state: EmulatorStateData): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, JSON.stringify(state, null, 2));
  renameSync(temporary, path);
}
