import type { CliIo } from '../../src/cli/cliIo.ts';

/** A CliIo that keeps what a command prints, for calling `main` in-process. */
export function memoryIo(cwd: string): { io: CliIo & { exitCode: number }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    exitCode: 0,
    out: (line: string) => out.push(line),
    err: (line: string) => err.push(line),
    env: {},
    cwd,
    setExitCode(code: number) {
      io.exitCode = code;
    },
    waitForStop: async () => 'SIGTERM',
  };
  return { io, out, err };
}
