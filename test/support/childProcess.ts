/**
 * Child processes for end-to-end tests: the `cosell` CLI and the connector child, with their output collected
 * line by line, waits on lines (with a deadline, never a fixed sleep) and the exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from './waitFor.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const COSELL_BIN = fileURLToPath(new URL('../../bin/cosell.js', import.meta.url));

/** The key the test sandbox encrypts its secrets with (startTestSandbox): children must use the same. */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TrackedProcess {
  child: ChildProcess;
  stdoutLines: string[];
  stderrLines: string[];
  /** Resolves with the exit code and signal, once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits for a stdout line matching `pattern`; fails with the output so far. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` (if still running) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment children get: this process's, without proxies (emulators are on loopback). */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HTTP_PROXY: '',
    HTTPS_PROXY: '',
    http_proxy: '',
    https_proxy: '',
    NO_COLOR: '1',
    ...extra,
  };
}

/** Collects a stream's text into `into`, one entry per line (a last line without newline included). */
function collectLines(stream: NodeJS.ReadableStream | null, into: string[]): void {
  let partial = '';
  stream?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    into.push(...lines);
  });
  stream?.on('end', () => {
    if (partial !== '') into.push(partial);
  });
}

export function spawnTracked(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): TrackedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdoutLines: string[] = [];
  const stderrLines: string[] = [];
  collectLines(child.stdout, stdoutLines);
  collectLines(child.stderr, stderrLines);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const output = () => `stdout:\n${stdoutLines.join('\n')}\nstderr:\n${stderrLines.slice(-40).join('\n')}`;
  return {
    child,
    stdoutLines,
    stderrLines,
    exited,
    async waitForLine(pattern, timeoutMs = 30_000) {
      const found = await waitFor(
        `a line matching ${pattern}`,
        () =>
          stdoutLines.find((candidate) => pattern.test(candidate)) ?? (done ? { exited: true } : undefined),
        { timeoutMs, intervalMs: 50 },
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${output()}`);
      });
      if (typeof found !== 'string')
        throw new Error(`The process exited before printing ${pattern}.\n${output()}`);
      return found;
    },
    async stop(signal = 'SIGTERM') {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `node bin/cosell.js …` to completion. */
export async function runCosell(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawnTracked(process.execPath, [COSELL_BIN, ...args], options);
  const { code } = await run.exited;
  return { code, stdout: run.stdoutLines.join('\n'), stderr: run.stderrLines.join('\n') };
}

/** A TCP port that was free a moment ago (for commands that do not print the port they bound). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `cosell emulate` on free ports, writing a connector config for it to `configFile`. */
export function spawnEmulateWritingConfig(configFile: string, env: NodeJS.ProcessEnv): TrackedProcess {
  return spawnTracked(
    process.execPath,
    [
      COSELL_BIN,
      'emulate',
      '--pc-port',
      '0',
      '--sf-port',
      '0',
      '--identity-port',
      '0',
      '--write-config',
      configFile,
    ],
    { env },
  );
}
