/** Time as a port, so domain and tests never read the wall clock directly. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: for tests and the emulators' advanceable time. */
export class ManualClock implements Clock {
  private currentMs: number;
  constructor(start: Date | string = '2026-01-01T00:00:00.000Z') {
    this.currentMs = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.currentMs);
  }
  advance(ms: number): void {
    this.currentMs += ms;
  }
  set(at: Date | string): void {
    this.currentMs = new Date(at).getTime();
  }
}
