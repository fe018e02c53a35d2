import { afterEach, describe, expect, it } from 'vitest';
import { sqliteBackend } from '../../test/support/testStores.ts';
import { ManualClock } from '../shared/clock.ts';
import { ConnectionGate } from './connectionGate.ts';

describe('ConnectionGate (on a real SQLite store)', () => {
  const backend = sqliteBackend();
  afterEach(() => backend.cleanup());

  it('lets an active connection claim, a paused one not, except one probe per interval; resumes when active again', async () => {
    const clock = new ManualClock();
    const store = await backend.open({ clock });
    await store.connections.upsert({ id: 'east', name: 'east' });
    const gate = new ConnectionGate({
      store,
      connectionId: 'east',
      clock,
      refreshMs: 1_000,
      probeIntervalMs: 60_000,
    });
    expect(await gate.mayClaim()).toBe(true);

    // Another process pauses it: seen at the next refresh, and the first probe is one interval later.
    await store.connections.setState('east', 'paused', 'Partner Center sign-in expired');
    expect(await gate.mayClaim()).toBe(true);
    clock.advance(1_000);
    expect(await gate.mayClaim()).toBe(false);
    clock.advance(58_999);
    expect(await gate.mayClaim()).toBe(false);
    clock.advance(1_001);
    expect(await gate.mayClaim()).toBe(true);
    expect(await gate.mayClaim()).toBe(false);

    // Signed in again (cosell connect): claims resume at the next refresh.
    await store.connections.setState('east', 'active', null);
    clock.advance(1_000);
    expect(await gate.mayClaim()).toBe(true);
    expect(await gate.mayClaim()).toBe(true);
  });

  it('stops claiming at once when this process paused the connection', async () => {
    const clock = new ManualClock();
    const store = await backend.open({ clock });
    await store.connections.upsert({ id: 'west', name: 'west' });
    const gate = new ConnectionGate({ store, connectionId: 'west', clock });
    expect(await gate.mayClaim()).toBe(true);
    gate.paused();
    expect(await gate.mayClaim()).toBe(false);
  });
});
