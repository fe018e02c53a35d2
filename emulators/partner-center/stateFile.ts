import { existsSync, readFileSync } from 'node:fs';
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
