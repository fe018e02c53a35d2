/**
 * docs/operations.md's systemd unit: its ExecStart command, with the environment the doc lists, starts the
 * connector, answers /healthz and stops cleanly on the SIGTERM systemd sends.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  childEnv,
  REPO_ROOT,
  spawnEmulateWritingConfig,
  spawnTracked,
  TEST_SECRET_KEY,
} from '../support/childProcess.ts';

const DOC = readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8');

describe('docs/operations.md systemd unit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts with the documented ExecStart and environment, serves /healthz and stops on SIGTERM', async () => {
    const execStart = /^ExecStart=(.+)$/m.exec(DOC)?.[1];
    expect(execStart).toBeDefined();
    const environmentNames = [...DOC.matchAll(/^(COSELL_[A-Z_]+)=…$/gm)].map((match) => match[1]);
    expect(environmentNames).toEqual(['COSELL_SECRET_KEY', 'COSELL_SERVER_ADMIN_TOKEN']);

    const file = join(dir, 'cosell.yaml');
    const emulate = spawnEmulateWritingConfig(file, childEnv());
    try {
      await emulate.waitForLine(/^\{/, 30_000);
      // The unit's paths, mapped onto this checkout and the emulators' config.
      const [command, ...args] = String(execStart)
        .replaceAll('/opt/cosell-connector', REPO_ROOT.replace(/\/+$/, ''))
        .replaceAll('/etc/cosell/cosell.yaml', file)
        .split(' ');
      expect(command).toBe('/usr/bin/node');
      const service = spawnTracked(process.execPath, args, {
        env: childEnv({
          COSELL_SECRET_KEY: TEST_SECRET_KEY,
          COSELL_SERVER_ADMIN_TOKEN: 'an-admin-token-for-this-test',
          COSELL_SERVER_PORT: '0',
        }),
      });
      try {
        const line = await service.waitForLine(/listening on http/, 60_000);
        const url = /(http:\/\/[^\s"]+)/.exec(line)?.[1];
        const health = await fetch(`${url}/healthz`);
        expect(health.status).toBe(200);
      } finally {
        expect((await service.stop('SIGTERM')).code).toBe(0);
      }
    } finally {
      await emulate.stop('SIGTERM');
    }
  });
});
