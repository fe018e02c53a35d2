/** What a command needs from its process: output, environment, working directory, signals. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  setExitCode(code: number): void;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  waitForStop(): Promise<string>;
}

export function processIo(): CliIo & { exitCode: number } {
  const io = {
    exitCode: 0,
    out: (line: string) => process.stdout.write(`${line}\n`),
    err: (line: string) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
    setExitCode(code: number) {
      io.exitCode = code;
    },
    waitForStop: () =>
      new Promise<string>((resolve) => {
        const stop = (signal: string) => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve(signal);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }),
  };
  return io;
}
