/**
 * Rotating COSELL_SECRET_KEY under a running connector: `cosell secrets rotate-key` moves the stored Partner
 * Center sign-in to a new key while the sandbox keeps running with the old one, and the running connector still
 * signs in and syncs the next referral; a connector started afterwards with only the new key reads everything.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { SecretBox, SecretVault } from '../../src/store/secretBox.ts';
import { memoryIo } from '../support/memoryIo.ts';
import { inboundReferral, startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';

/** The key startTestSandbox runs the connector with. */
const SANDBOX_KEY = Buffer.alloc(32, 7).toString('base64');

describe('cosell secrets rotate-key under a running connector', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  const syncedLinkOf = async (name: string) => {
    const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name }));
    const referralId = String(created['id']);
    return waitFor(`the synced link of ${name}`, async () => {
      const link = await sandbox.connector.store.links.findByReferralId('sandbox', referralId);
      return link?.state === 'synced' ? link : null;
    });
  };

  it('moves every secret to the new key while the running connector keeps syncing on the old one', async () => {
    await syncedLinkOf('Before the rotation');
    const store = sandbox.connector.store;
    const names = await store.secrets.listAll();
    expect(names.map((secret) => secret.name)).toContain('partner-center.msal-cache');

    const newKey = randomBytes(32).toString('base64');
    const keyFile = join(sandbox.dir, 'rotated.key');
    writeFileSync(keyFile, newKey, { mode: 0o600 });
    const { io, out, err } = memoryIo(sandbox.dir);
    io.env = { COSELL_SECRET_KEY: SANDBOX_KEY };
    const code = await main(
      ['node', 'cosell', 'secrets', 'rotate-key', '--config', sandbox.configFile, '--new-key-file', keyFile],
      io,
    );
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out.join('\n')).toContain(`${names.length} secret(s) re-encrypted`);
    const newBox = SecretBox.fromEnv({ COSELL_SECRET_KEY: newKey });
    for (const secret of await store.secrets.listAll())
      expect(secret.ciphertext.split('.')[1]).toBe(newBox.keyId);

    // The connector, still on the old key, signs in to Partner Center and syncs a new referral.
    await syncedLinkOf('After the rotation');
    expect((await store.connections.get('sandbox'))?.state).toBe('active');

    // A process started with the new key (and the old one as previous) reads every secret, whoever wrote it last;
    // running the command again on the new key leaves everything under the new key.
    const restarted = new SecretVault(
      store.secrets,
      SecretBox.fromEnv({ COSELL_SECRET_KEY: newKey, COSELL_SECRET_KEY_PREVIOUS: SANDBOX_KEY }),
    );
    for (const secret of names)
      expect(await restarted.get(secret.connectionId, secret.name)).toEqual(expect.any(String));
    const again = memoryIo(sandbox.dir);
    again.io.env = { COSELL_SECRET_KEY: newKey, COSELL_SECRET_KEY_PREVIOUS: SANDBOX_KEY };
    expect(
      await main(
        [
          'node',
          'cosell',
          'secrets',
          'rotate-key',
          '--config',
          sandbox.configFile,
          '--new-key-file',
          keyFile,
        ],
        again.io,
      ),
    ).toBe(0);
    const newOnly = new SecretVault(store.secrets, newBox);
    for (const secret of names)
      expect(await newOnly.get(secret.connectionId, secret.name)).toEqual(expect.any(String));
  });
});
