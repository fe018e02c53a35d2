/**
 * Locks by name, for async work in one process: `run(keys, fn)` waits until no other holder has any of `keys`,
 * then holds them all while fn runs. Work on disjoint keys runs at once; work sharing a key runs one after the
 * other, first come first served. All keys of a call are taken together, so two callers can never each hold
 * one key the other waits for.
 */
export class KeyedLocks {
  private readonly held = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const wanted = [...new Set(keys)];
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Wait for every current holder of a wanted key; register at once so later callers queue behind this one.
    const earlier = wanted
      .map((key) => this.held.get(key))
      .filter((p): p is Promise<void> => p !== undefined);
    for (const key of wanted) this.held.set(key, mine);
    try {
      await Promise.all(earlier);
      return await fn();
    } finally {
      for (const key of wanted) if (this.held.get(key) === mine) this.held.delete(key);
      release();
    }
  }
}
