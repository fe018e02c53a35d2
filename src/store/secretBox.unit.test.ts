import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { errorKindOf } from '../shared/upstreamError.ts';
import { SecretBox, SecretBoxError } from './secretBox.ts';

const KEY_BASE64 = randomBytes(32).toString('base64');
const binding = { connectionId: 'conn-a', name: 'salesforce.refreshToken' };
const PLAINTEXT = '5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJVNXyx0Pa.refresh-token-ü';

function boxFor(key: string = KEY_BASE64): SecretBox {
  return SecretBox.fromEnv({ COSELL_SECRET_KEY: key });
}

function errorOf(fn: () => unknown): SecretBoxError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SecretBoxError) return error;
    throw error;
  }
  throw new Error('expected a SecretBoxError');
}

/** Flips one bit of the decoded base64url part at `index` of a ciphertext string. */
function flipBit(ciphertext: string, index: number): string {
  const parts = ciphertext.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  it('round-trips a value and never shows the plaintext in the ciphertext', () => {
    const box = boxFor();
    const ciphertext = box.encrypt(PLAINTEXT, binding);
    expect(ciphertext).toMatch(new RegExp(`^v1\\.${box.keyId}\\.`));
    expect(ciphertext).not.toContain('refresh-token');
    expect(box.decrypt(ciphertext, binding)).toBe(PLAINTEXT);
    expect(box.decrypt(box.encrypt('', binding), binding)).toBe('');
  });

  it('uses a fresh 12-byte IV for every encryption', () => {
    const box = boxFor();
    const a = box.encrypt(PLAINTEXT, binding).split('.');
    const b = box.encrypt(PLAINTEXT, binding).split('.');
    expect(Buffer.from(a[2]!, 'base64url')).toHaveLength(12);
    expect(a[2]).not.toBe(b[2]);
    expect(a[3]).not.toBe(b[3]);
    expect(Buffer.from(a[4]!, 'base64url')).toHaveLength(16);
  });

  it('accepts the key as base64, base64url or 64 hex characters', () => {
    const raw = randomBytes(32);
    const fromHex = boxFor(raw.toString('hex'));
    const fromBase64 = boxFor(`${raw.toString('base64')}\n`);
    const fromBase64Url = boxFor(raw.toString('base64url'));
    const ciphertext = fromHex.encrypt(PLAINTEXT, binding);
    expect(fromBase64.decrypt(ciphertext, binding)).toBe(PLAINTEXT);
    expect(fromBase64Url.decrypt(ciphertext, binding)).toBe(PLAINTEXT);
    expect(fromHex.keyId).toBe(fromBase64.keyId);
  });

  it('detects tampering with the ciphertext, the tag or the IV', () => {
    const box = boxFor();
    const ciphertext = box.encrypt(PLAINTEXT, binding);
    for (const index of [2, 3, 4]) {
      const error = errorOf(() => box.decrypt(flipBit(ciphertext, index), binding));
      expect(error.code).toBe('tampered');
      expect(error.message).toMatch(/failed its integrity check.*Store it again/);
      expect(error.message).not.toContain(PLAINTEXT);
    }
    expect(errorOf(() => box.decrypt('v1.abc', binding)).code).toBe('malformed');
    expect(errorOf(() => box.decrypt(ciphertext.replace(/^v1/, 'v9'), binding)).code).toBe('malformed');
  });

  it('refuses a value moved to another connection or another name (AAD binding)', () => {
    const box = boxFor();
    const ciphertext = box.encrypt(PLAINTEXT, binding);
    expect(errorOf(() => box.decrypt(ciphertext, { ...binding, connectionId: 'conn-b' })).code).toBe(
      'tampered',
    );
    expect(
      errorOf(() => box.decrypt(ciphertext, { ...binding, name: 'partnerCenter.tokenCache' })).code,
    ).toBe('tampered');
  });

  it('says which key is needed when the value was written with another key', () => {
    const writer = boxFor();
    const reader = boxFor(randomBytes(32).toString('base64'));
    const error = errorOf(() => reader.decrypt(writer.encrypt(PLAINTEXT, binding), binding));
    expect(error.code).toBe('unknown_key');
    expect(error.message).toContain(`encrypted with key ${writer.keyId}`);
    expect(error.message).toContain('COSELL_SECRET_KEY');
  });

  it('fails authentication when a different key claims the same key id', () => {
    const writer = boxFor();
    const impostor = new SecretBox(randomBytes(32));
    const ciphertext = writer.encrypt(PLAINTEXT, binding);
    const relabelled = ciphertext.replace(`.${writer.keyId}.`, `.${impostor.keyId}.`);
    expect(errorOf(() => impostor.decrypt(relabelled, binding)).code).toBe('tampered');
  });

  it('decrypts values from a previous key after rotation and encrypts with the new one', () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('hex');
    const oldCiphertext = boxFor(oldKey).encrypt(PLAINTEXT, binding);
    const rotated = SecretBox.fromEnv({ COSELL_SECRET_KEY: newKey, COSELL_SECRET_KEY_PREVIOUS: oldKey });
    expect(rotated.decrypt(oldCiphertext, binding)).toBe(PLAINTEXT);
    expect(rotated.needsReencryption(oldCiphertext)).toBe(true);
    const fresh = rotated.encrypt(PLAINTEXT, binding);
    expect(rotated.needsReencryption(fresh)).toBe(false);
    expect(errorOf(() => boxFor(oldKey).decrypt(fresh, binding)).code).toBe('unknown_key');
  });

  it('explains a missing key: the variable to set and how to generate one', () => {
    for (const env of [{}, { COSELL_SECRET_KEY: '  ' }]) {
      const error = errorOf(() => SecretBox.fromEnv(env));
      expect(error.code).toBe('missing_key');
      expect(errorKindOf(error)).toBe('auth');
      expect(error.message).toContain('COSELL_SECRET_KEY is not set');
      expect(error.message).toContain('openssl rand -base64 32');
    }
  });

  it('explains a key of the wrong length without echoing it', () => {
    const short = randomBytes(16).toString('base64');
    const error = errorOf(() => SecretBox.fromEnv({ COSELL_SECRET_KEY: short }));
    expect(error.code).toBe('invalid_key');
    expect(error.message).toMatch(
      /COSELL_SECRET_KEY must be a 32-byte key.*decodes to 16 bytes.*openssl rand -base64 32/,
    );
    expect(error.message).not.toContain(short);
    expect(errorOf(() => SecretBox.fromEnv({ COSELL_SECRET_KEY: 'not a key!' })).message).toContain(
      'neither base64 nor hex',
    );
  });
});
