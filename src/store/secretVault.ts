import { type SecretBox, SecretBoxError } from './secretBox.ts';
import type { SecretRepository } from './store.ts';

/** Something that stores one opaque string, e.g. the MSAL token cache (TokenCacheStore in partner-center/). */
export interface SecretEntry {
  load(): Promise<string | null>;
  save(data: string): Promise<void>;
}

/**
 * Plaintext get/put of a connection's credentials over the store's secret table: values are
 * encrypted by SecretBox before they reach the store. The box is built on first use, so a missing
 * COSELL_SECRET_KEY only fails when a secret is actually read or written.
 *
 * During a key rotation (`cosell secrets rotate-key`) a process still running with the old key finds
 * values under a key it does not have; it keeps using the value it last read or wrote itself, so it
 * works on until it is restarted with the new key.
 */
export class SecretVault {
  private box: SecretBox | null = null;
  /** The plaintext this process last read or wrote, per connection and name. */
  private readonly lastKnown = new Map<string, string>();

  constructor(
    private readonly secrets: SecretRepository,
    private readonly makeBox: SecretBox | (() => SecretBox),
  ) {}

  async get(connectionId: string, name: string): Promise<string | null> {
    const ciphertext = await this.secrets.get(connectionId, name);
    if (ciphertext === null) return null;
    const box = this.secretBox();
    const key = JSON.stringify([connectionId, name]);
    let plaintext: string;
    try {
      plaintext = box.decrypt(ciphertext, { connectionId, name });
    } catch (error) {
      const known = this.lastKnown.get(key);
      if (error instanceof SecretBoxError && error.code === 'unknown_key' && known !== undefined)
        return known;
      throw error;
    }
    this.lastKnown.set(key, plaintext);
    // Values written under a previous key move to the current one on first read, unless rewritten meanwhile.
    if (box.needsReencryption(ciphertext))
      await this.secrets.replace(
        connectionId,
        name,
        ciphertext,
        box.encrypt(plaintext, { connectionId, name }),
      );
    return plaintext;
  }

  async put(connectionId: string, name: string, plaintext: string): Promise<void> {
    await this.secrets.put(connectionId, name, this.secretBox().encrypt(plaintext, { connectionId, name }));
    this.lastKnown.set(JSON.stringify([connectionId, name]), plaintext);
  }

  async delete(connectionId: string, name: string): Promise<void> {
    await this.secrets.delete(connectionId, name);
    this.lastKnown.delete(JSON.stringify([connectionId, name]));
  }

  listNames(connectionId: string): Promise<string[]> {
    return this.secrets.listNames(connectionId);
  }

  /** One named secret as a load/save pair. */
  entry(connectionId: string, name: string): SecretEntry {
    return {
      load: () => this.get(connectionId, name),
      save: (data) => this.put(connectionId, name, data),
    };
  }

  private secretBox(): SecretBox {
    this.box ??= typeof this.makeBox === 'function' ? this.makeBox() : this.makeBox;
    return this.box;
  }
}
