import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../../test/support/memoryIo.ts';
import { checkConfig } from '../../config/loadConfig.ts';
import { main } from '../main.ts';

describe('cosell init', () => {
  it('writes a config whose only problems are the placeholders to fill in, a mapping that validates, and a matching JWT key + certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosell-init-'));
    const { io, out } = memoryIo(dir);
    expect(await main(['node', 'cosell', 'init', '--mapping', '--jwt-key'], io)).toBe(0);
    expect(out.join('\n')).toContain('salesforce-jwt.crt');

    const check = checkConfig({
      file: join(dir, 'cosell.yaml'),
      env: {
        SALESFORCE_CLIENT_ID: '3MVG9example',
        COSELL_SERVER_ADMIN_TOKEN: 'a-long-random-admin-token-value',
      },
    });
    // The template is valid apart from the key file, which init wrote next to it.
    expect(check.problems).toEqual([]);

    const key = readFileSync(join(dir, 'salesforce-jwt.key'), 'utf8');
    expect(statSync(join(dir, 'salesforce-jwt.key')).mode & 0o777).toBe(0o600);
    const certificate = new X509Certificate(readFileSync(join(dir, 'salesforce-jwt.crt')));
    const publicFromKey = createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'pem' });
    expect(certificate.publicKey.export({ type: 'spki', format: 'pem' })).toBe(publicFromKey);

    const again = memoryIo(dir);
    expect(await main(['node', 'cosell', 'init'], again.io)).toBe(2);
    expect(again.err.join('\n')).toContain('--force');
  });
});
