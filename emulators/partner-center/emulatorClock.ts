import type { Clock } from '../../src/shared/clock.ts';

/** The emulator's time: a base clock plus an offset that the control API can advance (and the state file keeps). */
export class EmulatorClock implements Clock {
  constructor(
    private readonly base: Clock,
    public offsetMs = 0,
  ) {}

  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
