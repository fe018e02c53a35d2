import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresSkipReason, testDatabaseUrl } from '../../test/support/testStores.ts';
import { waitFor } from '../../test/support/waitFor.ts';
import type { KeyLocks } from '../shared/keyLocks.ts';
import { postgresKeyLocks } from './postgresKeyLocks.ts';

const url = testDatabaseUrl();
const skipReason = postgresSkipReason();

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe.skipIf(!url)(`Postgres key locks${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const namespace = `test-locks:${process.pid}:${Date.now().toString(36)}`;
  // Two holders on separate pools: separate Postgres sessions, as two processes would have.
  const opened: KeyLocks[] = [];
  const locks = (waitMs?: number) => {
    const created = postgresKeyLocks({
      url: url as string,
      namespace,
      ...(waitMs === undefined ? {} : { waitMs }),
    });
    opened.push(created);
    return created;
  };
  const observer = new pg.Pool({ connectionString: url, max: 1 });
  afterAll(async () => {
    for (const created of opened) await created.close();
    await observer.end();
  });
  const advisoryWaiters = async () =>
    Number(
      (
        await observer.query<{ waiting: string }>(
          "SELECT count(*) AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        )
      ).rows[0]?.waiting ?? 0,
    );

  it('keeps a second session out of a key until the first lets go', async () => {
    const [first, second] = [locks(), locks()];
    const events: string[] = [];
    const holding = gate();
    const release = gate();
    const firstRun = first.withLocks(['customer:contoso', 'contact:a@contoso.example'], async () => {
      events.push('first in');
      holding.open();
      await release.opened;
      events.push('first out');
    });
    await holding.opened;
    const waitersBefore = await advisoryWaiters();
    const secondRun = second.withLocks(['contact:a@contoso.example'], async () => {
      events.push('second in');
    });
    await waitFor(
      'the second session to wait for the lock',
      async () => (await advisoryWaiters()) > waitersBefore,
    );
    expect(events).toEqual(['first in']);
    release.open();
    await Promise.all([firstRun, secondRun]);
    expect(events).toEqual(['first in', 'first out', 'second in']);
  });

  it('lets different keys run at once', async () => {
    const [first, second] = [locks(), locks()];
    const both = { first: gate(), second: gate() };
    await Promise.all([
      first.withLocks(['customer:one'], async () => {
        both.first.open();
        await both.second.opened;
      }),
      second.withLocks(['customer:two'], async () => {
        both.second.open();
        await both.first.opened;
      }),
    ]);
  });

  it('frees the locks when the work fails, and says so when a lock is held too long', async () => {
    const [first, second] = [locks(), locks(200)];
    await expect(
      first.withLocks(['customer:failing'], async () => {
        throw new Error('Salesforce refused the account');
      }),
    ).rejects.toThrow('Salesforce refused the account');
    await expect(second.withLocks(['customer:failing'], async () => 'free again')).resolves.toBe(
      'free again',
    );

    const release = gate();
    const holding = gate();
    const held = first.withLocks(['customer:held'], async () => {
      holding.open();
      await release.opened;
    });
    await holding.opened;
    await expect(second.withLocks(['customer:held'], async () => 'never')).rejects.toThrow(
      /held a lock on customer:held for more than 0\.2 s/,
    );
    release.open();
    await held;
  });
});
