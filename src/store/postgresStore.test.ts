import { afterAll, describe, expect, it } from 'vitest';
import { describeReportContract } from '../../test/support/reportContract.ts';
import { describeStoreContract, newLinkFixture } from '../../test/support/storeContract.ts';
import { postgresBackend, postgresSkipReason, testDatabaseUrl } from '../../test/support/testStores.ts';
import { openStore } from './openStore.ts';

// Throws when CI is set without DATABASE_URL: in CI these tests must never be skipped.
const skipReason = postgresSkipReason();
const url = testDatabaseUrl();

// Skipped, with the reason in its name, when DATABASE_URL is unset (in CI postgresSkipReason throws instead).
const databaseUrl = url ?? '';
describe.skipIf(url === undefined)(`Postgres store${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const backend = postgresBackend(databaseUrl);
  afterAll(() => backend.cleanup());

  describeStoreContract('postgres', ({ clock }) => backend.open({ clock }));
  describeReportContract('postgres', ({ clock }) => backend.open({ clock }));

  describe('Postgres store specifics', () => {
    it('keeps stores in different schemas apart', async () => {
      const first = await backend.open();
      const second = await backend.open();
      await first.links.insert(newLinkFixture({ referralId: 'ref-1' }));
      await second.links.insert(newLinkFixture({ referralId: 'ref-1' }));
      expect(await first.links.list({ connectionId: 'conn-a' })).toHaveLength(1);
      expect(await second.links.list({ connectionId: 'conn-a' })).toHaveLength(1);
    });

    it('says which host and port it could not reach, and never the password', async () => {
      const unreachable = 'postgres://cosell:hunter2-secret@127.0.0.1:1/cosell';
      const attempt = openStore({
        kind: 'postgres',
        url: unreachable,
        schema: 'never_created',
        connectTimeoutMs: 2_000,
      });
      await expect(attempt).rejects.toThrow(
        /Cannot reach Postgres at 127\.0\.0\.1:1\/cosell .*check that the server is running/,
      );
      const error: unknown = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String((error as Error).message)).not.toContain('hunter2-secret');
      expect(error).toMatchObject({ kind: 'transient', upstream: 'store' });
    });

    it('rejects a malformed URL without repeating it', async () => {
      const malformed = 'postgres://user:p@ss:word@[bad-host/db';
      const error: unknown = await openStore({ kind: 'postgres', url: malformed }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String((error as Error).message)).toMatch(/not a valid URL: write it as postgres:\/\//);
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('p@ss:word');
    });

    it('refuses a schema name that is not a plain identifier', async () => {
      await expect(
        openStore({ kind: 'postgres', url: databaseUrl, schema: 'x; DROP TABLE link' }),
      ).rejects.toThrow(/schema name .* is not allowed/);
    });
  });
});
