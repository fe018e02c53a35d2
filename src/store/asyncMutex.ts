/** A first-come first-served lock for async work on one connection. */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs fn once every earlier holder has finished; the lock is released when fn settles. */
  run<T>(fn: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
