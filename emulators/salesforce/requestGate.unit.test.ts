import { expect, it } from 'vitest';
import { RequestGate } from './requestGate.ts';

it('starts an exclusive section only once every shared holder has let go, and holds new ones back until it ends', async () => {
  const gate = new RequestGate();
  const events: string[] = [];
  const releaseFirst = await gate.enterShared();
  let finishExclusive = () => {};
  const exclusive = gate.runExclusive(async () => {
    events.push('exclusive starts');
    await new Promise<void>((resolve) => {
      finishExclusive = resolve;
    });
    events.push('exclusive ends');
  });
  const later = gate.enterShared().then((release) => {
    events.push('later shared enters');
    return release;
  });
  await Promise.resolve();
  expect(events).toEqual([]);
  releaseFirst();
  await new Promise((resolve) => setImmediate(resolve));
  expect(events).toEqual(['exclusive starts']);
  finishExclusive();
  await exclusive;
  (await later)();
  expect(events).toEqual(['exclusive starts', 'exclusive ends', 'later shared enters']);
});

it('runs exclusive sections one after another, and a release called twice counts once', async () => {
  const gate = new RequestGate();
  const order: string[] = [];
  const release = await gate.enterShared();
  release();
  release();
  const run = (name: string) =>
    gate.runExclusive(async () => {
      order.push(`${name} in`);
      await new Promise((resolve) => setImmediate(resolve));
      order.push(`${name} out`);
    });
  await Promise.all([run('a'), run('b')]);
  expect(order).toEqual(['a in', 'a out', 'b in', 'b out']);
  const shared = await gate.enterShared();
  shared();
});
