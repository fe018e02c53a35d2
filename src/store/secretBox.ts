/**
 * Encryption of stored credentials: AES-256-GCM with a 32-byte key from COSELL_SECRET_KEY, a fresh
 * 12-byte IV per value and a 16-byte auth tag. The ciphertext string carries a format version and
 * the key id, and its additional authenticated data binds it to (connectionId, name): a value
 * copied to another row fails to decrypt. Plaintext never appears in errors.
 *
 * Format: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts; keyId = 8 hex chars fingerprinting the key).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export { SecretVault } from './secretVault.ts';

export const SECRET_KEY_ENV = 'COSELL_SECRET_KEY';
/** Optional, comma-separated: keys that can still decrypt (after rotation) but are never used to encrypt. */
export const PREVIOUS_SECRET_KEYS_ENV = 'COSELL_SECRET_KEY_PREVIOUS';
/** The key `cosell secrets rotate-key` moves the stored secrets to, when no --new-key-file is given. */
export const NEW_SECRET_KEY_ENV = 'COSELL_NEW_SECRET_KEY';

const FORMAT_VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const GENERATE_HINT = 'Generate one with `openssl rand -base64 32`';

export type SecretBoxErrorCode = 'missing_key' | 'invalid_key' | 'unknown_key' | 'tampered' | 'malformed';

/**
 * A stored credential cannot be used until a person acts (set the key, or connect again). Its kind
 * is 'auth', so the job runner pauses the connection with this message instead of retrying.
 */
export class SecretBoxError extends Error {
  readonly kind = 'auth' as const;
  readonly code: SecretBoxErrorCode;
  constructor(code: SecretBoxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretBoxError';
    this.code = code;
  }
}

/** Which stored secret a ciphertext belongs to. */
export interface SecretBinding {
  connectionId: string;
  name: string;
}

/** Decodes a key given as 64 hex characters or as base64 / base64url of 32 bytes. */
export function parseSecretKey(text: string, source = SECRET_KEY_ENV): Buffer {
  const trimmed = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  if (key === null || key.length !== KEY_BYTES) {
    const decoded = key === null ? 'is neither base64 nor hex' : `decodes to ${key.length} bytes`;
    throw new SecretBoxError(
      'invalid_key',
      `${source} must be a 32-byte key written as base64 (44 characters) or as 64 hex characters, but it ${decoded}. ${GENERATE_HINT} and set ${source} to its output.`,
    );
  }
  return key;
}

function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('cosell-secret-key-id\0').update(key).digest('hex').slice(0, 8);
}

function additionalData(keyId: string, binding: SecretBinding): Buffer {
  return Buffer.from(
    JSON.stringify(['cosell.secret', FORMAT_VERSION, keyId, binding.connectionId, binding.name]),
  );
}

function describe(binding: SecretBinding): string {
  return `Secret "${binding.name}" of connection ${binding.connectionId}`;
}

export class SecretBox {
  /** Id of the key new values are encrypted with. */
  readonly keyId: string;
  private readonly keys: Map<string, Buffer>;

  /** `key` encrypts and decrypts; `previousKeys` only decrypt values written before a rotation. */
  constructor(key: Buffer, previousKeys: readonly Buffer[] = []) {
    for (const candidate of [key, ...previousKeys]) {
      if (candidate.length !== KEY_BYTES) {
        throw new SecretBoxError('invalid_key', `A secret key must be ${KEY_BYTES} bytes. ${GENERATE_HINT}.`);
      }
    }
    this.keyId = keyIdOf(key);
    this.keys = new Map([...previousKeys, key].map((k) => [keyIdOf(k), Buffer.from(k)]));
  }

  /**
   * Builds the box from COSELL_SECRET_KEY (and COSELL_SECRET_KEY_PREVIOUS). Call it only when a
   * secret is needed, so deployments that store none need no key.
   */
  static fromEnv(env: Readonly<Record<string, string | undefined>> = process.env): SecretBox {
    const text = env[SECRET_KEY_ENV];
    if (text === undefined || text.trim() === '') {
      throw new SecretBoxError(
        'missing_key',
        `${SECRET_KEY_ENV} is not set, and it is needed to encrypt and decrypt stored credentials. ${GENERATE_HINT}, set ${SECRET_KEY_ENV} to its output and keep it safe: credentials stored under one key cannot be read with another.`,
      );
    }
    const previous = (env[PREVIOUS_SECRET_KEYS_ENV] ?? '')
      .split(',')
      .filter((part) => part.trim() !== '')
      .map((part) => parseSecretKey(part, PREVIOUS_SECRET_KEYS_ENV));
    return new SecretBox(parseSecretKey(text), previous);
  }

  encrypt(plaintext: string, binding: SecretBinding): string {
    const key = this.keys.get(this.keyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(this.keyId, binding));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      FORMAT_VERSION,
      this.keyId,
      iv.toString('base64url'),
      body.toString('base64url'),
      tag.toString('base64url'),
    ].join('.');
  }

  decrypt(ciphertext: string, binding: SecretBinding): string {
    const parts = ciphertext.split('.');
    const [version, keyId, ivText, bodyText, tagText] = parts;
    if (
      parts.length !== 5 ||
      version !== FORMAT_VERSION ||
      !keyId ||
      ivText === undefined ||
      bodyText === undefined ||
      tagText === undefined
    ) {
      throw new SecretBoxError(
        'malformed',
        `${describe(binding)} is not in a format this build can read: store it again (e.g. run cosell connect).`,
      );
    }
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SecretBoxError(
        'unknown_key',
        `${describe(binding)} was encrypted with key ${keyId}, but ${SECRET_KEY_ENV} is key ${this.keyId}: set ${SECRET_KEY_ENV} to the key in use when it was stored (after a rotation, list the old key in ${PREVIOUS_SECRET_KEYS_ENV}), or store the secret again.`,
      );
    }
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError(
        'malformed',
        `${describe(binding)} is truncated or damaged: store it again (e.g. run cosell connect).`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(keyId, binding));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch (error) {
      throw new SecretBoxError(
        'tampered',
        `${describe(binding)} failed its integrity check: it was altered, or copied from another connection or secret name. Store it again (e.g. run cosell connect).`,
        { cause: error },
      );
    }
  }

  /** True when the value was encrypted with an older key and should be written again with the current one. */
  needsReencryption(ciphertext: string): boolean {
    return ciphertext.split('.')[1] !== this.keyId;
  }
}
