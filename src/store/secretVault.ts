import type { SecretBox } from './secretBox.ts';
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
 */
export class SecretVault {
  private box: SecretBox | null = null;

  constructor(
    private readonly secrets: SecretRepository,
    private readonly makeBox: SecretBox | (() => SecretBox),
  ) {}

  async get(connectionId: string, name: string): Promise<string | null> {
    const ciphertext = await this.secrets.get(connectionId, name);
    if (ciphertext === null) return null;
    const box = this.secretBox();
    const plaintext = box.decrypt(ciphertext, { connectionId, name });
    // Values written under a previous key move to the current one on first read.
    if (box.needsReencryption(ciphertext))
      await this.secrets.put(connectionId, name, box.encrypt(plaintext, { connectionId, name }));
    return plaintext;
  }

  async put(connectionId: string, name: string, plaintext: string): Promise<void> {
    await this.secrets.put(connectionId, name, this.secretBox().encrypt(plaintext, { connectionId, name }));
  }

  async delete(connectionId: string, name: string): Promise<void> {
    await this.secrets.delete(connectionId, name);
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
