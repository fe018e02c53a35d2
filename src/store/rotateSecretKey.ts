/**
 * Re-encrypts every stored secret from the current key to a new one, in one transaction: either every
 * value ends up under the new key or nothing changes. Values already under the new key are checked and
 * left alone, so running it again is harmless. Each value is swapped with a compare-and-set, so a value a
 * running connector rewrites meanwhile (e.g. a refreshed token cache) is read again, never overwritten
 * with an older copy.
 */

import type { SecretBox } from './secretBox.ts';
import { SecretBoxError } from './secretBox.ts';
import type { SecretRepository, Store } from './store.ts';

export interface KeyRotationResult {
  /** Values moved from an older key to the new one. */
  reencrypted: number;
  /** Values that were under the new key already (an earlier run, or a process already on the new key). */
  alreadyCurrent: number;
  /** The new key's id (a fingerprint, never the key). */
  newKeyId: string;
}

/** Attempts per value when running processes keep rewriting it during the rotation. */
const MAX_ATTEMPTS_PER_VALUE = 5;

/**
 * `current` decrypts (COSELL_SECRET_KEY plus COSELL_SECRET_KEY_PREVIOUS); `next` encrypts. Throws a
 * SecretBoxError, having changed nothing, when any stored value cannot be read with `current` or `next`.
 */
export async function rotateSecretKey(
  store: Store,
  current: SecretBox,
  next: SecretBox,
): Promise<KeyRotationResult> {
  return store.transaction(async (tx) => {
    const result: KeyRotationResult = { reencrypted: 0, alreadyCurrent: 0, newKeyId: next.keyId };
    for (const secret of await tx.secrets.listAll()) {
      const outcome = await rotateOne(tx.secrets, secret, current, next);
      if (outcome === 'reencrypted') result.reencrypted += 1;
      else if (outcome === 'alreadyCurrent') result.alreadyCurrent += 1;
    }
    return result;
  });
}

async function rotateOne(
  secrets: SecretRepository,
  secret: { connectionId: string; name: string; ciphertext: string },
  current: SecretBox,
  next: SecretBox,
): Promise<'reencrypted' | 'alreadyCurrent' | 'gone'> {
  const binding = { connectionId: secret.connectionId, name: secret.name };
  let ciphertext: string | null = secret.ciphertext;
  for (let attempt = 0; attempt < MAX_ATTEMPTS_PER_VALUE && ciphertext !== null; attempt += 1) {
    if (!next.needsReencryption(ciphertext)) {
      // Under the new key already: prove it still reads, so a damaged value is reported, not counted as done.
      next.decrypt(ciphertext, binding);
      return 'alreadyCurrent';
    }
    const plaintext = readWithCurrentKey(current, ciphertext, binding);
    if (await secrets.replace(secret.connectionId, secret.name, ciphertext, next.encrypt(plaintext, binding)))
      return 'reencrypted';
    // Rewritten or deleted by a running connector since it was read: rotate what is there now.
    ciphertext = await secrets.get(secret.connectionId, secret.name);
  }
  if (ciphertext === null) return 'gone';
  throw new SecretBoxError(
    'malformed',
    `Secret "${secret.name}" of connection ${secret.connectionId} kept changing while it was being re-encrypted; nothing was changed. Run the command again.`,
  );
}

function readWithCurrentKey(
  current: SecretBox,
  ciphertext: string,
  binding: { connectionId: string; name: string },
): string {
  try {
    return current.decrypt(ciphertext, binding);
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    throw new SecretBoxError(
      error.code,
      `Nothing was changed: the current key cannot read every stored secret. ${error.message}`,
      { cause: error },
    );
  }
}
