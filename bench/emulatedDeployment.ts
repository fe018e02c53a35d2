/**
 * A deployment the way a user sets one up against the emulators, each part its own process: `cosell emulate
 * --write-config` (both emulators), then `cosell salesforce install` and `cosell connect partner-center` against
 * the config it wrote. Benchmarks then run the real commands (`cosell sync`, `cosell serve`, `cosell worker`) as
 * further processes, so the connector and the emulators do not share one event loop (on a real deployment
 * Salesforce and Partner Center are other machines).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COSELL_BIN,
  childEnv,
  runCosell,
  spawnEmulateWritingConfig,
  spawnTracked,
  TEST_SECRET_KEY,
  type TrackedProcess,
} from '../test/support/childProcess.ts';

export interface EmulatedDeployment {
  configFile: string;
  env: NodeJS.ProcessEnv;
  urls: { partnerCenter: string; salesforce: string; identity: string };
  /** A control or API call to the Partner Center emulator; throws on a non-2xx answer. */
  pc(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** A call to the Salesforce emulator, with an admin token for its REST API. */
  sf(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** `cosell <args> --config <file>` as a child process (not waited for). */
  spawnCosell(args: readonly string[], extraEnv?: Record<string, string>): TrackedProcess;
  stop(): Promise<void>;
}

async function call(
  base: string,
  method: string,
  path: string,
  body: unknown,
  token: string | null,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startEmulatedDeployment(): Promise<EmulatedDeployment> {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-bench-'));
  const configFile = join(dir, 'cosell.yaml');
  const env = childEnv({ COSELL_SECRET_KEY: TEST_SECRET_KEY });
  const emulate = spawnEmulateWritingConfig(configFile, env);
  const stop = async () => {
    await emulate.stop('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const urls = JSON.parse(await emulate.waitForLine(/^\{/, 60_000)) as EmulatedDeployment['urls'];
    for (const args of [
      ['salesforce', 'install'],
      ['connect', 'partner-center'],
    ]) {
      const run = await runCosell([...args, '--config', configFile], { env });
      if (run.code !== 0)
        throw new Error(`cosell ${args.join(' ')} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
    }
    const token = String(
      (await call(urls.salesforce, 'POST', '/__emulator/token', {}, null))['access_token'],
    );
    return {
      configFile,
      env,
      urls,
      pc: (method, path, body) => call(urls.partnerCenter, method, path, body, null),
      sf: (method, path, body) => call(urls.salesforce, method, path, body, token),
      spawnCosell: (args, extraEnv = {}) =>
        spawnTracked(process.execPath, [COSELL_BIN, ...args, '--config', configFile], {
          env: { ...env, ...extraEnv },
        }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Samples a child process's peak resident memory (Linux VmHWM) until it exits; 0 where /proc is not readable.
 * The last sample before exit is the peak, since VmHWM never goes down.
 */
export function trackPeakRss(
  pid: number | undefined,
  intervalMs = 200,
): { peakBytes(): number; stop(): void } {
  let peak = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kib * 1024);
    } catch {
      // The process has exited, or /proc is not there.
    }
  };
  const timer = setInterval(sample, intervalMs);
  sample();
  return {
    peakBytes: () => peak,
    stop: () => clearInterval(timer),
  };
}
