import { createHash } from 'node:crypto';

/**
 * Deterministic GUID-looking ids: the n-th id of a given seed is always the same, so demos and tests
 * are repeatable. The counter is part of the saved state.
 */
export class IdGenerator {
  constructor(
    private readonly seed: string,
    private counter = 0,
  ) {}

  next(): string {
    this.counter += 1;
    return guidFrom(`${this.seed}:${this.counter}`);
  }

  get count(): number {
    return this.counter;
  }

  reset(counter = 0): void {
    this.counter = counter;
  }
}

/** A version-4-shaped GUID derived from a string. */
export function guidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
