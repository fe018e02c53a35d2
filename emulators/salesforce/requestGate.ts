/**
 * Lets a request that spans several awaits write as one transaction: REST requests hold the gate shared
 * while they run; an all-or-nothing composite request (allOrNone, or a composite graph) holds it exclusive,
 * so no other request writes between its subrequests and its undo log holds only its own changes.
 */
export class RequestGate {
  private shared = 0;
  private drained: (() => void) | null = null;
  /** Settles when the last exclusive section queued so far ends; new shared holders wait for it. */
  private closed: Promise<void> | null = null;
  private exclusiveTail: Promise<void> = Promise.resolve();

  /** Waits until no exclusive section holds the gate, then holds it shared; call the result to let go. */
  async enterShared(): Promise<() => void> {
    while (this.closed) await this.closed;
    this.shared += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.shared -= 1;
      if (this.shared === 0) this.drained?.();
    };
  }

  /** Runs `work` once every shared holder has let go, with new requests held back until it ends. */
  async runExclusive<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.exclusiveTail;
    let finish = () => {};
    const mine = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const tail = previous.then(() => mine);
    this.exclusiveTail = tail;
    // From now on new shared holders wait, so a stream of them can never starve this section.
    this.closed = tail;
    await previous;
    if (this.shared > 0)
      await new Promise<void>((resolve) => {
        this.drained = resolve;
      });
    this.drained = null;
    try {
      return await work();
    } finally {
      if (this.closed === tail) this.closed = null;
      finish();
    }
  }
}
