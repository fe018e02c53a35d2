import { describe, expect, it } from 'vitest';
import { KeyedLocks } from './keyedLocks.ts';

/** A task that records when it starts and ends, and finishes when told to. */
function task(log: string[], name: string) {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    finish,
    fn: async () => {
      log.push(`${name} start`);
      await finished;
      log.push(`${name} end`);
      return name;
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedLocks', () => {
  it('runs work on disjoint keys at once', async () => {
    const locks = new KeyedLocks();
    const log: string[] = [];
    const a = task(log, 'a');
    const b = task(log, 'b');
    const runs = [locks.run(['acme', 'ada@acme'], a.fn), locks.run(['globex'], b.fn)];
    await settle();
    expect(log).toEqual(['a start', 'b start']);
    a.finish();
    b.finish();
    expect(await Promise.all(runs)).toEqual(['a', 'b']);
  });

  it('runs work sharing any key one after the other, in arrival order', async () => {
    const locks = new KeyedLocks();
    const log: string[] = [];
    const a = task(log, 'a');
    const b = task(log, 'b');
    const c = task(log, 'c');
    const runs = [locks.run(['acme', 'x'], a.fn), locks.run(['x', 'y'], b.fn), locks.run(['y'], c.fn)];
    await settle();
    expect(log).toEqual(['a start']);
    a.finish();
    await settle();
    expect(log).toEqual(['a start', 'a end', 'b start']);
    b.finish();
    await settle();
    expect(log.at(-1)).toBe('c start');
    c.finish();
    await Promise.all(runs);
  });

  it('releases the keys when the work fails', async () => {
    const locks = new KeyedLocks();
    await expect(
      locks.run(['acme'], async () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await locks.run(['acme'], async () => 'again')).toBe('again');
  });
});
