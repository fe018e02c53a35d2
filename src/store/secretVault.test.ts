import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteBackend } from '../../test/support/testStores.ts';
import { SecretBox, SecretVault } from './secretBox.ts';
import type { Store } from './store.ts';

const backend = sqliteBackend();
afterAll(() => backend.cleanup());

describe('SecretVault over a real SQLite store', () => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(() => store.close());

  it('stores only ciphertext and gives back the plaintext', async () => {
    const vault = new SecretVault(
      store.secrets,
      SecretBox.fromEnv({ COSELL_SECRET_KEY: randomBytes(32).toString('hex') }),
    );
    await vault.put('conn-a', 'salesforce.refreshToken', 'refresh-plaintext-123');
    const stored = await store.secrets.get('conn-a', 'salesforce.refreshToken');
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain('refresh-plaintext-123');
    expect(await vault.get('conn-a', 'salesforce.refreshToken')).toBe('refresh-plaintext-123');
    expect(await vault.get('conn-a', 'missing')).toBeNull();
    expect(await vault.listNames('conn-a')).toEqual(['salesforce.refreshToken']);
    await vault.delete('conn-a', 'salesforce.refreshToken');
    expect(await vault.get('conn-a', 'salesforce.refreshToken')).toBeNull();
  });

  it('refuses a ciphertext copied to another connection row', async () => {
    const vault = new SecretVault(
      store.secrets,
      SecretBox.fromEnv({ COSELL_SECRET_KEY: randomBytes(32).toString('base64') }),
    );
    await vault.put('conn-a', 'token', 'a-secret');
    await store.secrets.put('conn-b', 'token', (await store.secrets.get('conn-a', 'token'))!);
    await expect(vault.get('conn-b', 'token')).rejects.toMatchObject({ code: 'tampered' });
  });

  it('needs COSELL_SECRET_KEY only when a secret is read or written', async () => {
    const vault = new SecretVault(store.secrets, () => SecretBox.fromEnv({}));
    expect(await vault.listNames('conn-a')).toEqual([]);
    expect(await vault.get('conn-a', 'token')).toBeNull();
    await expect(vault.put('conn-a', 'token', 'x')).rejects.toThrow(
      /COSELL_SECRET_KEY is not set.*openssl rand -base64 32/,
    );
  });

  it('re-encrypts a value written under a previous key when it is read after a rotation', async () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    await new SecretVault(store.secrets, SecretBox.fromEnv({ COSELL_SECRET_KEY: oldKey })).put(
      'c',
      'token',
      'v',
    );
    const rotatedBox = SecretBox.fromEnv({ COSELL_SECRET_KEY: newKey, COSELL_SECRET_KEY_PREVIOUS: oldKey });
    const rotated = new SecretVault(store.secrets, rotatedBox);
    expect(await rotated.get('c', 'token')).toBe('v');
    expect((await store.secrets.get('c', 'token'))?.split('.')[1]).toBe(rotatedBox.keyId);
    const newOnly = new SecretVault(store.secrets, SecretBox.fromEnv({ COSELL_SECRET_KEY: newKey }));
    expect(await newOnly.get('c', 'token')).toBe('v');
  });

  it('exposes one secret as a load/save entry (e.g. a token cache)', async () => {
    const vault = new SecretVault(
      store.secrets,
      SecretBox.fromEnv({ COSELL_SECRET_KEY: randomBytes(32).toString('hex') }),
    );
    const cache = vault.entry('conn-a', 'partnerCenter.tokenCache');
    expect(await cache.load()).toBeNull();
    await cache.save('{"AccessToken":{}}');
    expect(await cache.load()).toBe('{"AccessToken":{}}');
  });
});
