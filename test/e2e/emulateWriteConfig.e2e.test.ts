import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  childEnv,
  freePort,
  runCosell,
  spawnEmulateWritingConfig,
  TEST_SECRET_KEY,
} from '../support/childProcess.ts';

describe('cosell emulate --write-config: the emulators as a target for the real commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-emulate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a config that passes config check, and install + connect + webhook registration work against it', async () => {
    const file = join(dir, 'cosell.yaml');
    const env = childEnv({ COSELL_SECRET_KEY: TEST_SECRET_KEY });
    const emulate = spawnEmulateWritingConfig(file, env);
    try {
      const urls = JSON.parse(await emulate.waitForLine(/^\{/, 30_000)) as Record<string, string>;
      const config = ['--config', file];
      const check = await runCosell(['config', 'check', ...config], { env });
      expect(check.code).toBe(0);
      const install = await runCosell(['salesforce', 'install', ...config], { env });
      expect(install.stdout).toContain('Installed the Partner Center fields');
      expect(install.code).toBe(0);
      const connect = await runCosell(['connect', 'partner-center', ...config], { env });
      expect(connect.stdout).toContain('Signed in to Partner Center');
      // With a new encryption key the old sign-in cannot be read: signing in again replaces it.
      const otherKey = childEnv({ COSELL_SECRET_KEY: Buffer.alloc(32, 9).toString('base64') });
      const status = await runCosell(['webhooks', 'show', ...config], { env: otherKey });
      expect(status.code).toBe(1);
      const again = await runCosell(['connect', 'partner-center', ...config], { env: otherKey });
      expect(again.stdout).toContain('Signed in to Partner Center');
      const reconnected = await runCosell(['connect', 'partner-center', ...config], { env });
      expect(reconnected.code).toBe(0);
      const port = await freePort();
      const register = await runCosell(
        ['webhooks', 'register', '--url', `http://127.0.0.1:${port}/webhooks/partner-center`, ...config],
        { env },
      );
      expect(register.code).toBe(0);
      const show = await runCosell(['webhooks', 'show', '--json', ...config], { env });
      expect(JSON.parse(show.stdout)).toMatchObject({
        registration: { webhookUrl: `http://127.0.0.1:${port}/webhooks/partner-center` },
      });
      expect(urls['partnerCenter']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      type Check = { check: string; ok: boolean; severity: string; detail: string };
      const doctor = await runCosell(['doctor', '--json', ...config], { env });
      const checks = (JSON.parse(doctor.stdout) as { checks: Check[] }).checks;
      expect(checks.filter((check) => !check.ok && check.severity === 'error')).toEqual([]);
      expect(checks.map((check) => check.check)).toEqual(
        expect.arrayContaining([
          'Configuration',
          'Mapping',
          'Store',
          'Partner Center sign-in',
          'Salesforce sign-in',
        ]),
      );
      expect(doctor.code).toBe(0);
      // A broken mapping file fails the Mapping check alone; the sign-ins are still checked and pass.
      const badMapping = join(dir, 'broken-mapping.yaml');
      writeFileSync(badMapping, 'fields: [\n');
      const broken = await runCosell(['doctor', '--json', ...config], {
        env: { ...env, COSELL_SYNC_MAPPING_FILE: badMapping },
      });
      const brokenChecks = (JSON.parse(broken.stdout) as { checks: Check[] }).checks;
      expect(brokenChecks.filter((check) => !check.ok).map((check) => check.check)).toEqual(['Mapping']);
      expect(brokenChecks.find((check) => check.check === 'Salesforce sign-in')?.ok).toBe(true);
      expect(broken.code).toBe(1);
    } finally {
      await emulate.stop('SIGINT');
    }
    // Several CLI processes in a row (each a Node start-up and a sign-in): minutes on a loaded 2-core machine.
  }, 180_000);
});
