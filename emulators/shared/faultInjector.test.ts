import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultInjector, NO_FAULTS_HEADER } from './faultInjector.ts';

/** A tiny app whose POST /api/items is a write the tests can count. */
async function appWith(
  random?: () => number,
  nowMs?: () => number,
): Promise<{ app: FastifyInstance; writes: string[] }> {
  const app = Fastify({ logger: false });
  const writes: string[] = [];
  new FaultInjector({
    errorBody: (status) => ({ error: `injected ${status}` }),
    ...(random ? { random } : {}),
    ...(nowMs ? { nowMs } : {}),
  }).install(app);
  app.post('/api/items', async (request) => {
    writes.push(String((request.body as { name?: string }).name));
    return { created: true };
  });
  return { app, writes };
}

const post = (app: FastifyInstance, name: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/items', payload: { name }, headers });

describe('FaultInjector', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('strikes only the requests that win the probability draw, and counts them', async () => {
    const draws = [0.05, 0.5, 0.09, 0.95];
    const made = await appWith(() => draws.shift() ?? 1);
    app = made.app;
    await app.inject({
      method: 'POST',
      url: '/__emulator/faults',
      payload: { status: 503, probability: 0.1 },
    });
    const statuses = [];
    for (const name of ['a', 'b', 'c', 'd']) statuses.push((await post(app, name)).statusCode);
    expect(statuses).toEqual([503, 200, 503, 200]);
    expect(made.writes).toEqual(['b', 'd']);
    const listed = (await app.inject({ method: 'GET', url: '/__emulator/faults' })).json();
    expect(listed.totals).toEqual({ requests: 4, struck: 2 });
    expect(listed.rules[0].applied).toBe(2);
  });

  it('a response-phase fault lets the write happen and replaces its answer', async () => {
    const made = await appWith();
    app = made.app;
    await app.inject({
      method: 'POST',
      url: '/__emulator/faults',
      payload: { status: 500, phase: 'response', count: 1, retryAfterSeconds: 2 },
    });
    const lost = await post(app, 'landed');
    expect(lost.statusCode).toBe(500);
    expect(lost.headers['retry-after']).toBe('2');
    expect(lost.json()).toEqual({ error: 'injected 500' });
    expect(made.writes).toEqual(['landed']);
    expect((await post(app, 'next')).json()).toEqual({ created: true });
  });

  it('never faults a request carrying the no-faults header', async () => {
    const made = await appWith();
    app = made.app;
    await app.inject({ method: 'POST', url: '/__emulator/faults', payload: { status: 503 } });
    expect((await post(app, 'person', { [NO_FAULTS_HEADER]: '1' })).statusCode).toBe(200);
    expect((await post(app, 'connector')).statusCode).toBe(503);
    expect(made.writes).toEqual(['person']);
  });

  it('a rule with bodyIncludes strikes only the requests whose body holds that text, once', async () => {
    const made = await appWith();
    app = made.app;
    await app.inject({
      method: 'POST',
      url: '/__emulator/faults',
      payload: { match: { method: 'POST', bodyIncludes: 'target-7' }, status: 503, phase: 'response' },
    });
    await app.inject({
      method: 'POST',
      url: '/__emulator/faults',
      payload: { match: { bodyIncludes: 'held' }, status: 429, count: 1 },
    });
    expect((await post(app, 'other')).statusCode).toBe(200);
    const lost = await post(app, 'the target-7 item');
    expect(lost.statusCode).toBe(503);
    expect((await post(app, 'held item')).statusCode).toBe(429);
    expect((await post(app, 'held again')).statusCode).toBe(200);
    expect(made.writes).toEqual(['other', 'the target-7 item', 'held again']);
    const listed = (await app.inject({ method: 'GET', url: '/__emulator/faults' })).json();
    expect(listed.totals).toEqual({ requests: 4, struck: 2 });
  });

  it('a probabilistic rule that misses falls through to the next rule', async () => {
    const made = await appWith(() => 0.99);
    app = made.app;
    await app.inject({
      method: 'POST',
      url: '/__emulator/faults',
      payload: { status: 503, probability: 0.5 },
    });
    await app.inject({ method: 'POST', url: '/__emulator/faults', payload: { status: 429, count: 1 } });
    expect((await post(app, 'x')).statusCode).toBe(429);
    expect((await post(app, 'y')).statusCode).toBe(200);
  });

  it('a rule with durationMs ends after that time, whatever the count of requests', async () => {
    let nowMs = 1_000;
    const made = await appWith(undefined, () => nowMs);
    app = made.app;
    await app.inject({
      method: 'POST',
      url: '/__emulator/faults',
      payload: { status: 429, durationMs: 1_500 },
    });
    expect((await post(app, 'during')).statusCode).toBe(429);
    nowMs += 1_499;
    expect((await post(app, 'still')).statusCode).toBe(429);
    nowMs += 1;
    expect((await post(app, 'after')).statusCode).toBe(200);
    expect(made.writes).toEqual(['after']);
  });
});
