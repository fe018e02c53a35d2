import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMITTED_CURSOR, COMMITTED_LINKS } from '../../test/support/storeCrashChild.ts';
import { cleanupAll, storeBackends } from '../../test/support/testStores.ts';
import { createDriver, type StoreOptions } from './openStore.ts';

const CHILD_SCRIPT = fileURLToPath(new URL('../../test/support/storeCrashChild.ts', import.meta.url));
const STEP_DEADLINE_MS = 30_000;

const backends = storeBackends();
afterAll(() => cleanupAll(backends));

/** Resolves when the child prints `line`; rejects (with its stderr) if it exits or the deadline passes first. */
function waitForLine(child: ChildProcess, line: string, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => finish(new Error(`child did not print "${line}" in time; stderr: ${stderr()}`)),
      STEP_DEADLINE_MS,
    );
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      if (buffered.split('\n').includes(line)) finish();
    };
    const onExit = (code: number | null) =>
      finish(new Error(`child exited (${code}) before "${line}"; stderr: ${stderr()}`));
    function finish(error?: Error) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    }
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
  });
}

function killAndWait(child: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.signalCode);
      return;
    }
    child.once('exit', (_code, signal) => resolve(signal));
    child.kill('SIGKILL');
  });
}

async function schemaMigrations(location: StoreOptions): Promise<unknown[]> {
  const driver = createDriver(location);
  try {
    return await driver.executor.query(
      'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    );
  } finally {
    await driver.close();
  }
}

for (const backend of backends) {
  describe(`durability on ${backend.name}`, () => {
    it('keeps committed rows and loses the open transaction when the process is SIGKILLed', async () => {
      const location = backend.newLocation();
      let stderr = '';
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT, JSON.stringify(location)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      try {
        await waitForLine(child, 'committed', () => stderr);
        const migrationsBefore = await schemaMigrations(location);
        expect(migrationsBefore.length).toBeGreaterThan(0);
        await waitForLine(child, 'in-transaction', () => stderr);
        expect(await killAndWait(child)).toBe('SIGKILL');

        const store = await backend.open({ location });
        const links = await store.links.list({ connectionId: 'durable', limit: 1000 });
        expect(links.map((link) => link.referralId)).toEqual(
          Array.from({ length: COMMITTED_LINKS }, (_, i) => `committed-${i}`),
        );
        expect(await store.audit.list({ connectionId: 'durable', limit: 1000 })).toHaveLength(
          COMMITTED_LINKS,
        );
        expect(await store.cursors.get('durable', 'source')).toBe(COMMITTED_CURSOR);
        // The store is writable again and its ids do not collide with the lost rows.
        const after = await store.links.insert({ ...links[0]!, referralId: 'after-restart' });
        expect(links.map((link) => link.id)).not.toContain(after.id);
        expect(await schemaMigrations(location)).toEqual(migrationsBefore);
      } finally {
        await killAndWait(child);
      }
    });
  });
}
