import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../../test/support/memoryIo.ts';
import { checkConfig } from '../../config/loadConfig.ts';
import { main } from '../main.ts';

const TEMPLATE_ENV = {
  SALESFORCE_CLIENT_ID: '3MVG9example',
  COSELL_SERVER_ADMIN_TOKEN: 'a-long-random-admin-token-value',
};

function expectMatchingKeyPair(keyFile: string, certificateFile: string): void {
  const key = readFileSync(keyFile, 'utf8');
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  const certificate = new X509Certificate(readFileSync(certificateFile));
  const publicFromKey = createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'pem' });
  expect(certificate.publicKey.export({ type: 'spki', format: 'pem' })).toBe(publicFromKey);
}

describe('cosell init', () => {
  it('writes a config whose only problems are the placeholders to fill in, a mapping that validates, and a matching JWT key + certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosell-init-'));
    const { io, out } = memoryIo(dir);
    expect(await main(['node', 'cosell', 'init', '--mapping', '--jwt-key'], io)).toBe(0);
    expect(out.join('\n')).toContain('salesforce-jwt.crt');

    const check = checkConfig({ file: join(dir, 'cosell.yaml'), env: TEMPLATE_ENV });
    // The key file exists (init wrote it); what is left are exactly the example values to replace.
    expect(check.problems.map((problem) => problem.path)).toEqual([
      'server.publicUrl',
      'partnerCenter.tenantId',
      'partnerCenter.clientId',
      'salesforce.loginUrl',
      'salesforce.auth.username',
    ]);
    expect(check.problems[0]).toMatchObject({
      message: expect.stringContaining('example value'),
      line: expect.any(Number),
    });
    expectMatchingKeyPair(join(dir, 'salesforce-jwt.key'), join(dir, 'salesforce-jwt.crt'));

    const filled = readFileSync(join(dir, 'cosell.yaml'), 'utf8')
      .replace('https://cosell.example.com', 'https://cosell.acme.com')
      .replace('00000000-0000-0000-0000-000000000000', '72f988bf-86f1-41af-91ab-2d7cd011db47')
      .replace('11111111-1111-1111-1111-111111111111', '4a1aa1d5-c567-49d0-ad0b-cd957a47f842')
      .replace('your-domain.my.salesforce.com', 'acme.my.salesforce.com')
      .replace('integration@your-company.com', 'integration@acme.com');
    writeFileSync(join(dir, 'cosell.yaml'), filled);
    expect(checkConfig({ file: join(dir, 'cosell.yaml'), env: TEMPLATE_ENV }).problems).toEqual([]);

    const again = memoryIo(dir);
    expect(await main(['node', 'cosell', 'init'], again.io)).toBe(2);
    expect(again.err.join('\n')).toContain('--force');
    expect(readFileSync(join(dir, 'cosell.yaml'), 'utf8')).toBe(filled);
  });

  it('adds a JWT key to an existing config without overwriting it, and points the config at the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosell-init-'));
    const original = [
      '# our production settings',
      'partnerCenter: { tenantId: t, clientId: c }',
      'salesforce:',
      '  loginUrl: https://acme.my.salesforce.com',
      '  auth:',
      '    flow: jwt',
      '    clientId: 3MVG9abc   # the ECA consumer key',
      '    username: integration@acme.com',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'cosell.yaml'), original);
    expect(checkConfig({ file: join(dir, 'cosell.yaml'), env: {} }).problems.map((p) => p.path)).toEqual([
      'salesforce.auth.privateKeyFile',
    ]);

    const { io, out } = memoryIo(dir);
    expect(await main(['node', 'cosell', 'init', '--jwt-key'], io)).toBe(0);
    expect(out.join('\n')).toContain('set salesforce.auth.privateKeyFile: ./salesforce-jwt.key');
    const updated = readFileSync(join(dir, 'cosell.yaml'), 'utf8');
    expect(updated).toContain('# our production settings');
    expect(updated).toContain('clientId: 3MVG9abc # the ECA consumer key');
    expect(checkConfig({ file: join(dir, 'cosell.yaml'), env: {} }).problems).toEqual([]);
    expectMatchingKeyPair(join(dir, 'salesforce-jwt.key'), join(dir, 'salesforce-jwt.crt'));

    // A second run would replace the key the org trusts: refused without --force, files unchanged.
    const key = readFileSync(join(dir, 'salesforce-jwt.key'), 'utf8');
    const again = memoryIo(dir);
    expect(await main(['node', 'cosell', 'init', '--jwt-key'], again.io)).toBe(2);
    expect(again.err.join('\n')).toContain('salesforce-jwt.key exists');
    expect(readFileSync(join(dir, 'salesforce-jwt.key'), 'utf8')).toBe(key);
  });
});
