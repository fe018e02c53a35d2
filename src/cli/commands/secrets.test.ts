/**
 * `cosell secrets rotate-key` against real stores (SQLite file; Postgres when DATABASE_URL is set): every secret
 * moves to the new key in one transaction, a re-run changes nothing, a wrong current key changes nothing and says
 * so, no key is ever printed, and a process still on the old key keeps reading its secrets until restarted.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../test/support/memoryIo.ts';
import {
  postgresBackend,
  postgresSkipReason,
  type StoreBackend,
  sqliteBackend,
  testDatabaseUrl,
} from '../../../test/support/testStores.ts';
import { SecretBox, SecretVault } from '../../store/secretBox.ts';
import type { StoredSecret } from '../../store/store.ts';
import { main } from '../main.ts';

const SECRETS = [
  { connectionId: 'conn-a', name: 'salesforce.refresh-token', value: 'sf-refresh-5Aep861TSESvWeug_known' },
  {
    connectionId: 'conn-a',
    name: 'partner-center.msal-cache',
    value: '{"RefreshToken":{"x":"pc-rt-known"}}',
  },
  { connectionId: 'conn-b', name: 'salesforce.refresh-token', value: 'second-connection-refresh-known' },
];

const newKeyText = () => randomBytes(32).toString('base64');

function suite(backend: StoreBackend) {
  afterAll(() => backend.cleanup());

  /** A folder with a cosell.yaml pointing at a fresh store holding SECRETS under `oldKey`. */
  async function seeded(oldKey: string) {
    const dir = mkdtempSync(join(tmpdir(), 'cosell-rotate-'));
    const location = backend.newLocation();
    const storeLine =
      location.kind === 'sqlite'
        ? `store: { kind: sqlite, path: ${JSON.stringify(location.path)} }`
        : `store: { kind: postgres, url: ${JSON.stringify(location.url)}, schema: ${location.schema} }\nqueue: { kind: pg-boss }`;
    writeFileSync(
      join(dir, 'cosell.yaml'),
      [
        storeLine,
        'partnerCenter: { tenantId: t, clientId: c }',
        'salesforce: { auth: { flow: clientCredentials, clientId: id, clientSecret: s } }',
        '',
      ].join('\n'),
    );
    const store = await backend.open({ location });
    const vault = new SecretVault(store.secrets, SecretBox.fromEnv({ COSELL_SECRET_KEY: oldKey }));
    for (const secret of SECRETS) await vault.put(secret.connectionId, secret.name, secret.value);
    const rows = () => store.secrets.listAll();
    return { dir, store, vault, rows };
  }

  async function run(dir: string, env: Record<string, string>, ...args: string[]) {
    const { io, out, err } = memoryIo(dir);
    io.env = env;
    const code = await main(['node', 'cosell', 'secrets', 'rotate-key', ...args], io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  const keyIdsOf = (rows: StoredSecret[]) => new Set(rows.map((row) => row.ciphertext.split('.')[1]));

  it('re-encrypts every secret of every connection to a generated key, printing neither key', async () => {
    const oldKey = newKeyText();
    const { dir, store, vault, rows } = await seeded(oldKey);
    // A running connector on the old key that has read its secrets.
    for (const secret of SECRETS)
      expect(await vault.get(secret.connectionId, secret.name)).toBe(secret.value);

    const keyFile = join(dir, 'new.key');
    const rotated = await run(
      dir,
      { COSELL_SECRET_KEY: oldKey },
      '--generate',
      '--new-key-file',
      'new.key',
      '--json',
    );
    expect(rotated.err).toBe('');
    expect(rotated.code).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const newKey = readFileSync(keyFile, 'utf8').trim();
    const newBox = SecretBox.fromEnv({ COSELL_SECRET_KEY: newKey });
    expect(JSON.parse(rotated.out)).toEqual({
      ok: true,
      oldKeyId: SecretBox.fromEnv({ COSELL_SECRET_KEY: oldKey }).keyId,
      newKeyId: newBox.keyId,
      reencrypted: 3,
      alreadyCurrent: 0,
      newKeyFile: keyFile,
    });
    for (const text of [rotated.out, rotated.err]) {
      expect(text).not.toContain(oldKey);
      expect(text).not.toContain(newKey);
      expect(text).not.toContain(Buffer.from(newKey, 'base64').toString('hex'));
    }
    expect(keyIdsOf(await rows())).toEqual(new Set([newBox.keyId]));

    // The new key reads everything; the old one alone no longer does.
    const restarted = new SecretVault(store.secrets, newBox);
    for (const secret of SECRETS)
      expect(await restarted.get(secret.connectionId, secret.name)).toBe(secret.value);
    const coldOldKey = new SecretVault(store.secrets, SecretBox.fromEnv({ COSELL_SECRET_KEY: oldKey }));
    await expect(coldOldKey.get('conn-a', 'salesforce.refresh-token')).rejects.toMatchObject({
      code: 'unknown_key',
    });
    // The process started before the rotation keeps working until it is restarted with the new key.
    for (const secret of SECRETS)
      expect(await vault.get(secret.connectionId, secret.name)).toBe(secret.value);
  });

  it('is safe to run again, and moves what a process still on the old key wrote during the rollover', async () => {
    const oldKey = newKeyText();
    const { dir, store, vault, rows } = await seeded(oldKey);
    const keyFile = join(dir, 'next.key');
    const newKey = newKeyText();
    writeFileSync(keyFile, newKey);
    const args = ['--new-key-file', keyFile, '--json'];
    expect((await run(dir, { COSELL_SECRET_KEY: oldKey }, ...args)).code).toBe(0);
    const afterFirst = await rows();

    const again = await run(dir, { COSELL_SECRET_KEY: oldKey }, ...args);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ reencrypted: 0, alreadyCurrent: 3 });
    expect((await rows()).map((row) => row.ciphertext)).toEqual(afterFirst.map((row) => row.ciphertext));

    // The old process refreshes a token and stores it under the old key; the new processes read it through
    // COSELL_SECRET_KEY_PREVIOUS, and running the command again on the new key moves it.
    await vault.put('conn-a', 'partner-center.msal-cache', '{"RefreshToken":{"x":"refreshed-by-old"}}');
    const rolledOver = { COSELL_SECRET_KEY: newKey, COSELL_SECRET_KEY_PREVIOUS: oldKey };
    const onNewKey = new SecretVault(store.secrets, SecretBox.fromEnv(rolledOver));
    expect(await onNewKey.get('conn-b', 'salesforce.refresh-token')).toBe(SECRETS[2]?.value);
    const finish = await run(dir, rolledOver, ...args);
    expect(finish.code).toBe(0);
    expect(JSON.parse(finish.out)).toMatchObject({ reencrypted: 1, alreadyCurrent: 2 });
    const newOnly = new SecretVault(store.secrets, SecretBox.fromEnv({ COSELL_SECRET_KEY: newKey }));
    expect(await newOnly.get('conn-a', 'partner-center.msal-cache')).toBe(
      '{"RefreshToken":{"x":"refreshed-by-old"}}',
    );
  });

  it('refuses a wrong current key with a clear message and changes nothing, even when some values would rotate', async () => {
    const oldKey = newKeyText();
    const { dir, store, rows } = await seeded(oldKey);
    const keyFile = join(dir, 'new.key');
    writeFileSync(keyFile, newKeyText());
    const before = await rows();

    const wrong = await run(dir, { COSELL_SECRET_KEY: newKeyText() }, '--new-key-file', keyFile);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('Nothing was changed: the current key cannot read every stored secret.');
    expect(wrong.err).toContain('COSELL_SECRET_KEY');
    expect(await rows()).toEqual(before);

    // One value under a key nobody has: the other two would rotate, but the transaction changes none.
    const stranger = new SecretVault(store.secrets, SecretBox.fromEnv({ COSELL_SECRET_KEY: newKeyText() }));
    await stranger.put('conn-c', 'orphan', 'unreadable-value');
    const mixed = await rows();
    const partial = await run(dir, { COSELL_SECRET_KEY: oldKey }, '--new-key-file', keyFile);
    expect(partial.code).toBe(1);
    expect(partial.err).toContain('Secret "orphan" of connection conn-c');
    expect(await rows()).toEqual(mixed);
  });

  it('takes the new key from COSELL_NEW_SECRET_KEY when no file is given', async () => {
    const oldKey = newKeyText();
    const { dir, rows } = await seeded(oldKey);
    const newKey = newKeyText();
    const rotated = await run(dir, { COSELL_SECRET_KEY: oldKey, COSELL_NEW_SECRET_KEY: newKey });
    expect(rotated.err).toBe('');
    expect(rotated.code).toBe(0);
    expect(rotated.out).toContain('3 secret(s) re-encrypted');
    expect(`${rotated.out}${rotated.err}`).not.toContain(newKey);
    const newKeyId = SecretBox.fromEnv({ COSELL_SECRET_KEY: newKey }).keyId;
    expect(keyIdsOf(await rows())).toEqual(new Set([newKeyId]));
  });

  it('says what is missing: the current key, the new key, a file for --generate; never overwrites a key file', async () => {
    const oldKey = newKeyText();
    const { dir, rows } = await seeded(oldKey);
    const before = await rows();
    const noCurrent = await run(dir, {}, '--new-key-file', 'x.key');
    expect(noCurrent.code).toBe(2);
    expect(noCurrent.err).toContain('COSELL_SECRET_KEY is not set');
    const noNew = await run(dir, { COSELL_SECRET_KEY: oldKey });
    expect(noNew.code).toBe(2);
    expect(noNew.err).toContain('--new-key-file FILE');
    expect((await run(dir, { COSELL_SECRET_KEY: oldKey }, '--generate')).err).toContain(
      '--generate needs --new-key-file',
    );
    writeFileSync(join(dir, 'kept.key'), 'keep me');
    const existing = await run(
      dir,
      { COSELL_SECRET_KEY: oldKey },
      '--generate',
      '--new-key-file',
      'kept.key',
    );
    expect(existing.code).toBe(2);
    expect(readFileSync(join(dir, 'kept.key'), 'utf8')).toBe('keep me');
    const badNew = await run(dir, { COSELL_SECRET_KEY: oldKey, COSELL_NEW_SECRET_KEY: 'short' });
    expect(badNew.code).toBe(2);
    expect(badNew.err).toContain('COSELL_NEW_SECRET_KEY must be a 32-byte key');
    expect(badNew.err).not.toContain(oldKey);
    expect(await rows()).toEqual(before);
  });
}

describe('cosell secrets rotate-key on SQLite', () => {
  suite(sqliteBackend());

  it('has --help naming its options', async () => {
    const { io, out } = memoryIo(tmpdir());
    expect(await main(['node', 'cosell', 'secrets', 'rotate-key', '--help'], io)).toBe(0);
    const help = out.join('\n');
    for (const option of ['--new-key-file', '--generate', '--config', '--json'])
      expect(help).toContain(option);
  });
});

const skip = postgresSkipReason();
describe.skipIf(skip)('cosell secrets rotate-key on Postgres', () => {
  suite(postgresBackend(testDatabaseUrl() ?? ''));
});
